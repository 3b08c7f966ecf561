// UPDATE message (RFC 4271 §4.3) with RFC 7606 revised error handling on decode.
import { AttrFlag, AttrType, AsPathSegmentType } from './constants';
import { BgpDecodeError, ErrorCode, UpdateSubcode, type ErrorAction } from './errors';
import {
  decodeAttribute,
  encodeAttributes,
  type AttributeContext,
  type AttributeError,
  type PathAttributes,
} from './attributes';
import { decodePrefixes, encodePrefixes } from './prefix';

export interface UpdateMessage {
  /** IPv4 withdrawn routes (IPv6 ones travel in attributes.mpUnreach). */
  withdrawn: string[];
  attributes: PathAttributes;
  /** IPv4 NLRI (IPv6 ones travel in attributes.mpReach). */
  nlri: string[];
}

export interface UpdateDecodeResult {
  update: UpdateMessage;
  /** The strongest non-reset approach required ('none' = clean). */
  action: 'none' | Exclude<ErrorAction, 'session-reset'>;
  errors: AttributeError[];
}

export function encodeUpdate(u: UpdateMessage, ctx: AttributeContext): Buffer {
  const w = encodePrefixes(u.withdrawn);
  const a = encodeAttributes(u.attributes, ctx);
  const n = encodePrefixes(u.nlri);
  const out = Buffer.alloc(4 + w.length + a.length + n.length);
  out.writeUInt16BE(w.length, 0);
  w.copy(out, 2);
  out.writeUInt16BE(a.length, 2 + w.length);
  a.copy(out, 4 + w.length);
  n.copy(out, 4 + w.length + a.length);
  return out;
}

/** Decodes an UPDATE body. Session-reset errors throw BgpDecodeError; others are reported in the result. */
export function decodeUpdate(body: Buffer, ctx: AttributeContext): UpdateDecodeResult {
  const malformed = (why: string) => new BgpDecodeError(ErrorCode.Update, UpdateSubcode.MalformedAttributeList, why);
  if (body.length < 4) throw malformed('UPDATE shorter than its two length fields');
  const wLen = body.readUInt16BE(0);
  if (2 + wLen + 2 > body.length) throw malformed(`withdrawn routes length ${wLen} overruns message`);
  const aLen = body.readUInt16BE(2 + wLen);
  if (4 + wLen + aLen > body.length) throw malformed(`total path attribute length ${aLen} overruns message`);
  const withdrawn = decodePrefixes(body.subarray(2, 2 + wLen), 4, ErrorCode.Update, UpdateSubcode.MalformedAttributeList);
  const attrBuf = body.subarray(4 + wLen, 4 + wLen + aLen);
  const nlri = decodePrefixes(body.subarray(4 + wLen + aLen), 4, ErrorCode.Update, UpdateSubcode.InvalidNetworkField);

  const attributes: PathAttributes = {};
  const errors: AttributeError[] = [];
  const seen = new Set<number>();
  let off = 0;
  while (off < attrBuf.length) {
    const remaining = attrBuf.length - off;
    const flags = attrBuf.readUInt8(off);
    const hdr = flags & AttrFlag.ExtendedLength ? 4 : 3;
    if (remaining < hdr) {
      errors.push({ action: 'treat-as-withdraw', type: 0, code: 3, subcode: UpdateSubcode.MalformedAttributeList, data: Buffer.alloc(0), message: 'trailing bytes too short for an attribute' });
      break;
    }
    const type = attrBuf.readUInt8(off + 1);
    const len = hdr === 4 ? attrBuf.readUInt16BE(off + 2) : attrBuf.readUInt8(off + 2);
    if (off + hdr + len > attrBuf.length) {
      if (type === AttrType.MpReach || type === AttrType.MpUnreach) {
        throw new BgpDecodeError(ErrorCode.Update, UpdateSubcode.AttributeLengthError, `attribute ${type} length ${len} overruns attributes`);
      }
      errors.push({ action: 'treat-as-withdraw', type, code: 3, subcode: UpdateSubcode.AttributeLengthError, data: Buffer.from(attrBuf.subarray(off)), message: `attribute ${type} length ${len} overruns attributes` });
      break;
    }
    const raw = attrBuf.subarray(off, off + hdr + len);
    const value = raw.subarray(hdr);
    off += hdr + len;
    if (seen.has(type)) {
      if (type === AttrType.MpReach || type === AttrType.MpUnreach) throw malformed(`attribute ${type} appears twice`);
      errors.push({ action: 'attribute-discard', type, code: 3, subcode: UpdateSubcode.MalformedAttributeList, data: Buffer.from(raw), message: `duplicate attribute ${type} discarded` });
      continue;
    }
    seen.add(type);
    const err = decodeAttribute(flags, type, value, raw, attributes, ctx);
    if (err) errors.push(err);
  }

  const reach = nlri.length > 0 || (attributes.mpReach?.nlri.length ?? 0) > 0;
  if (reach) {
    const needed: number[] = [AttrType.Origin, AttrType.AsPath];
    if (nlri.length > 0) needed.push(AttrType.NextHop);
    if (ctx.ebgp === false) needed.push(AttrType.LocalPref);
    for (const t of needed) {
      if (!seen.has(t)) {
        errors.push({ action: 'treat-as-withdraw', type: t, code: 3, subcode: UpdateSubcode.MissingWellKnown, data: Buffer.from([t]), message: `missing well-known attribute ${t}` });
      }
    }
  }
  const action = errors.some((e) => e.action === 'treat-as-withdraw') ? 'treat-as-withdraw' : errors.length > 0 ? 'attribute-discard' : 'none';
  return { update: { withdrawn, attributes, nlri }, action, errors };
}

/** What a treat-as-withdraw UPDATE means: every announced prefix in it is withdrawn. */
export function asWithdrawal(u: UpdateMessage): UpdateMessage {
  const a: PathAttributes = {};
  const w6 = [...(u.attributes.mpUnreach?.withdrawn ?? []), ...(u.attributes.mpReach?.nlri ?? [])];
  if (w6.length > 0) {
    const src = u.attributes.mpReach ?? u.attributes.mpUnreach!;
    a.mpUnreach = { afi: src.afi, safi: src.safi, withdrawn: w6 };
  }
  return { withdrawn: [...u.withdrawn, ...u.nlri], attributes: a, nlri: [] };
}

/** The AS_PATH a speaker originates: empty for iBGP, one AS_SEQUENCE of its own ASN for eBGP. */
export function originAsPath(myAsn: number, ebgp: boolean) {
  return ebgp ? [{ type: AsPathSegmentType.Sequence, asns: [myAsn] }] : [];
}
