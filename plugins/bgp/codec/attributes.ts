// Path attributes: typed values, their encodings, and per-attribute RFC 7606 error classification.
import { AttrFlag, AttrType, AsPathSegmentType, Afi, Safi } from './constants';
import { BgpDecodeError, ErrorCode, UpdateSubcode, type ErrorAction } from './errors';
import { addressBytes, decodePrefixes, encodePrefixes, formatAddress, type Family } from './prefix';

export interface AsPathSegment {
  type: number;
  asns: number[];
}

export interface LargeCommunity {
  global: number;
  local1: number;
  local2: number;
}

export interface MpReach {
  afi: number;
  safi: number;
  /** One next hop, or global + link-local for IPv6. */
  nextHops: string[];
  nlri: string[];
}

export interface MpUnreach {
  afi: number;
  safi: number;
  withdrawn: string[];
}

export interface RawAttribute {
  flags: number;
  type: number;
  value: Buffer;
}

export interface PathAttributes {
  origin?: number;
  asPath?: AsPathSegment[];
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  communities?: number[];
  largeCommunities?: LargeCommunity[];
  mpReach?: MpReach;
  mpUnreach?: MpUnreach;
  as4Path?: AsPathSegment[];
  /** Attributes this codec does not model, kept verbatim (unsupported MP AFI/SAFI included). */
  unknown?: RawAttribute[];
}

export interface AttributeContext {
  /** Both sides sent the 4-octet AS capability: AS_PATH and AGGREGATOR carry u32 ASNs. */
  asn4: boolean;
  /** The session is eBGP (LOCAL_PREF received from it is discarded, RFC 7606 §7.5). */
  ebgp?: boolean;
}

/** One attribute problem and the RFC 7606 approach it calls for, with the RFC 4271 NOTIFICATION. */
export interface AttributeError {
  action: ErrorAction;
  type: number;
  code: number;
  subcode: number;
  data: Buffer;
  message: string;
}

/** The O/T flags each known attribute must carry. */
export const EXPECTED_FLAGS: Record<number, number> = {
  [AttrType.Origin]: AttrFlag.Transitive,
  [AttrType.AsPath]: AttrFlag.Transitive,
  [AttrType.NextHop]: AttrFlag.Transitive,
  [AttrType.Med]: AttrFlag.Optional,
  [AttrType.LocalPref]: AttrFlag.Transitive,
  [AttrType.AtomicAggregate]: AttrFlag.Transitive,
  [AttrType.Aggregator]: AttrFlag.Optional | AttrFlag.Transitive,
  [AttrType.Communities]: AttrFlag.Optional | AttrFlag.Transitive,
  [AttrType.MpReach]: AttrFlag.Optional,
  [AttrType.MpUnreach]: AttrFlag.Optional,
  [AttrType.As4Path]: AttrFlag.Optional | AttrFlag.Transitive,
  [AttrType.LargeCommunities]: AttrFlag.Optional | AttrFlag.Transitive,
};

export function encodeAttribute(flags: number, type: number, value: Buffer): Buffer {
  const ext = value.length > 255;
  const f = ext ? flags | AttrFlag.ExtendedLength : flags & ~AttrFlag.ExtendedLength;
  const head = Buffer.alloc(ext ? 4 : 3);
  head[0] = f;
  head[1] = type;
  if (ext) head.writeUInt16BE(value.length, 2);
  else head[2] = value.length;
  return Buffer.concat([head, value]);
}

export function encodeAsPath(segments: AsPathSegment[], asn4: boolean): Buffer {
  const parts: Buffer[] = [];
  for (const s of segments) {
    // A segment holds at most 255 ASNs; longer sequences are split.
    for (let i = 0; i < s.asns.length || (i === 0 && s.asns.length === 0); i += 255) {
      const chunk = s.asns.slice(i, i + 255);
      const b = Buffer.alloc(2 + chunk.length * (asn4 ? 4 : 2));
      b[0] = s.type;
      b[1] = chunk.length;
      chunk.forEach((a, j) => (asn4 ? b.writeUInt32BE(a >>> 0, 2 + j * 4) : b.writeUInt16BE(a, 2 + j * 2)));
      parts.push(b);
      if (s.asns.length === 0) break;
    }
  }
  return Buffer.concat(parts);
}

/** Returns undefined when the AS_PATH is malformed (RFC 7606 §7.2). */
export function decodeAsPath(v: Buffer, asn4: boolean): AsPathSegment[] | undefined {
  const size = asn4 ? 4 : 2;
  const out: AsPathSegment[] = [];
  let off = 0;
  while (off < v.length) {
    if (off + 2 > v.length) return undefined;
    const type = v.readUInt8(off);
    const count = v.readUInt8(off + 1);
    if (type < AsPathSegmentType.Set || type > AsPathSegmentType.ConfedSet || count === 0) return undefined;
    if (off + 2 + count * size > v.length) return undefined;
    const asns: number[] = [];
    for (let i = 0; i < count; i++) asns.push(asn4 ? v.readUInt32BE(off + 2 + i * 4) : v.readUInt16BE(off + 2 + i * 2));
    out.push({ type, asns });
    off += 2 + count * size;
  }
  return out;
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

function familyOf(afi: number): Family | undefined {
  return afi === Afi.Ipv4 ? 4 : afi === Afi.Ipv6 ? 6 : undefined;
}

/** Encodes the attributes: MP_REACH/MP_UNREACH first, then the rest in type order. */
export function encodeAttributes(a: PathAttributes, ctx: AttributeContext): Buffer {
  const out: Buffer[] = [];
  const O = AttrFlag.Optional;
  const T = AttrFlag.Transitive;
  if (a.mpReach) {
    const m = a.mpReach;
    const nh = Buffer.concat(m.nextHops.map(addressBytes));
    const head = Buffer.alloc(4);
    head.writeUInt16BE(m.afi, 0);
    head[2] = m.safi;
    head[3] = nh.length;
    out.push(encodeAttribute(O, AttrType.MpReach, Buffer.concat([head, nh, Buffer.from([0]), encodePrefixes(m.nlri)])));
  }
  if (a.mpUnreach) {
    const m = a.mpUnreach;
    const head = Buffer.alloc(3);
    head.writeUInt16BE(m.afi, 0);
    head[2] = m.safi;
    out.push(encodeAttribute(O, AttrType.MpUnreach, Buffer.concat([head, encodePrefixes(m.withdrawn)])));
  }
  if (a.origin !== undefined) out.push(encodeAttribute(T, AttrType.Origin, Buffer.from([a.origin])));
  if (a.asPath) out.push(encodeAttribute(T, AttrType.AsPath, encodeAsPath(a.asPath, ctx.asn4)));
  if (a.nextHop !== undefined) out.push(encodeAttribute(T, AttrType.NextHop, addressBytes(a.nextHop)));
  if (a.med !== undefined) out.push(encodeAttribute(O, AttrType.Med, u32(a.med)));
  if (a.localPref !== undefined) out.push(encodeAttribute(T, AttrType.LocalPref, u32(a.localPref)));
  if (a.atomicAggregate) out.push(encodeAttribute(T, AttrType.AtomicAggregate, Buffer.alloc(0)));
  if (a.aggregator) {
    const asn = ctx.asn4 ? u32(a.aggregator.asn) : Buffer.from([a.aggregator.asn >> 8, a.aggregator.asn & 0xff]);
    out.push(encodeAttribute(O | T, AttrType.Aggregator, Buffer.concat([asn, addressBytes(a.aggregator.address)])));
  }
  if (a.communities) out.push(encodeAttribute(O | T, AttrType.Communities, Buffer.concat(a.communities.map(u32))));
  if (a.as4Path) out.push(encodeAttribute(O | T, AttrType.As4Path, encodeAsPath(a.as4Path, true)));
  if (a.largeCommunities) {
    const v = Buffer.concat(a.largeCommunities.map((c) => Buffer.concat([u32(c.global), u32(c.local1), u32(c.local2)])));
    out.push(encodeAttribute(O | T, AttrType.LargeCommunities, v));
  }
  for (const r of a.unknown ?? []) out.push(encodeAttribute(r.flags, r.type, r.value));
  return Buffer.concat(out);
}

function attrError(action: ErrorAction, type: number, subcode: number, raw: Buffer, message: string): AttributeError {
  return { action, type, code: ErrorCode.Update, subcode, data: Buffer.from(raw), message };
}

function decodeMpReach(v: Buffer, raw: Buffer): MpReach | undefined {
  const fail = (why: string): never => {
    throw new BgpDecodeError(ErrorCode.Update, UpdateSubcode.OptionalAttributeError, `MP_REACH_NLRI ${why}`, Buffer.from(raw));
  };
  if (v.length < 5) fail('too short');
  const afi = v.readUInt16BE(0);
  const safi = v[2];
  const family = familyOf(afi);
  if (!family || safi !== Safi.Unicast) return undefined;
  const nhLen = v.readUInt8(3);
  if (4 + nhLen + 1 > v.length) fail('next hop overruns attribute');
  // IPv4 NLRI may carry an IPv6 next hop (RFC 8950, sent by GoBGP and FRR with extended-nexthop).
  const valid = family === 4 ? [4, 16, 32] : [16, 32];
  if (!valid.includes(nhLen)) fail(`next hop length ${nhLen}`);
  const step = nhLen === 4 ? 4 : 16;
  const nextHops: string[] = [];
  for (let o = 4; o < 4 + nhLen; o += step) nextHops.push(formatAddress(v.subarray(o, o + step)));
  const nlri = decodePrefixes(v.subarray(4 + nhLen + 1), family, ErrorCode.Update, UpdateSubcode.OptionalAttributeError);
  return { afi, safi, nextHops, nlri };
}

function decodeMpUnreach(v: Buffer, raw: Buffer): MpUnreach | undefined {
  if (v.length < 3) {
    throw new BgpDecodeError(ErrorCode.Update, UpdateSubcode.OptionalAttributeError, 'MP_UNREACH_NLRI too short', Buffer.from(raw));
  }
  const afi = v.readUInt16BE(0);
  const safi = v[2];
  const family = familyOf(afi);
  if (!family || safi !== Safi.Unicast) return undefined;
  const withdrawn = decodePrefixes(v.subarray(3), family, ErrorCode.Update, UpdateSubcode.OptionalAttributeError);
  return { afi, safi, withdrawn };
}

/**
 * Decodes one attribute into `into`. Returns the problem (if any) for RFC 7606 handling;
 * throws BgpDecodeError for session-reset problems.
 */
export function decodeAttribute(flags: number, type: number, v: Buffer, raw: Buffer, into: PathAttributes, ctx: AttributeContext): AttributeError | undefined {
  const expected = EXPECTED_FLAGS[type];
  const TAW = 'treat-as-withdraw' as const;
  const DISCARD = 'attribute-discard' as const;
  if (expected !== undefined && (flags & 0xc0) !== expected) {
    if (type === AttrType.MpReach || type === AttrType.MpUnreach) {
      throw new BgpDecodeError(ErrorCode.Update, UpdateSubcode.AttributeFlagsError, `attribute ${type} has flags 0x${flags.toString(16)}`, Buffer.from(raw));
    }
    const action = type === AttrType.AtomicAggregate || type === AttrType.Aggregator || type === AttrType.As4Path ? DISCARD : TAW;
    return attrError(action, type, UpdateSubcode.AttributeFlagsError, raw, `attribute ${type} has flags 0x${flags.toString(16)}`);
  }
  const lenErr = (action: ErrorAction) => attrError(action, type, UpdateSubcode.AttributeLengthError, raw, `attribute ${type} has bad length ${v.length}`);
  switch (type) {
    case AttrType.Origin:
      if (v.length !== 1) return lenErr(TAW);
      if (v.readUInt8(0) > 2) return attrError(TAW, type, UpdateSubcode.InvalidOrigin, raw, `invalid ORIGIN ${v[0]}`);
      into.origin = v[0];
      return undefined;
    case AttrType.AsPath: {
      const p = decodeAsPath(v, ctx.asn4);
      if (!p) return attrError(TAW, type, UpdateSubcode.MalformedAsPath, raw, 'malformed AS_PATH');
      into.asPath = p;
      return undefined;
    }
    case AttrType.NextHop:
      if (v.length !== 4) return lenErr(TAW);
      into.nextHop = formatAddress(v);
      return undefined;
    case AttrType.Med:
      if (v.length !== 4) return lenErr(TAW);
      into.med = v.readUInt32BE(0);
      return undefined;
    case AttrType.LocalPref:
      if (ctx.ebgp) return attrError(DISCARD, type, 0, raw, 'LOCAL_PREF from an eBGP peer');
      if (v.length !== 4) return lenErr(TAW);
      into.localPref = v.readUInt32BE(0);
      return undefined;
    case AttrType.AtomicAggregate:
      if (v.length !== 0) return lenErr(DISCARD);
      into.atomicAggregate = true;
      return undefined;
    case AttrType.Aggregator: {
      const n = ctx.asn4 ? 8 : 6;
      if (v.length !== n) return lenErr(DISCARD);
      into.aggregator = { asn: ctx.asn4 ? v.readUInt32BE(0) : v.readUInt16BE(0), address: formatAddress(v.subarray(n - 4)) };
      return undefined;
    }
    case AttrType.Communities: {
      if (v.length === 0 || v.length % 4 !== 0) return lenErr(TAW);
      const list: number[] = [];
      for (let o = 0; o < v.length; o += 4) list.push(v.readUInt32BE(o));
      into.communities = list;
      return undefined;
    }
    case AttrType.LargeCommunities: {
      if (v.length === 0 || v.length % 12 !== 0) return lenErr(TAW);
      const list: LargeCommunity[] = [];
      for (let o = 0; o < v.length; o += 12) list.push({ global: v.readUInt32BE(o), local1: v.readUInt32BE(o + 4), local2: v.readUInt32BE(o + 8) });
      into.largeCommunities = list;
      return undefined;
    }
    case AttrType.As4Path: {
      const p = decodeAsPath(v, true);
      if (!p) return attrError(DISCARD, type, UpdateSubcode.MalformedAsPath, raw, 'malformed AS4_PATH');
      into.as4Path = p;
      return undefined;
    }
    case AttrType.MpReach: {
      const m = decodeMpReach(v, raw);
      if (m) into.mpReach = m;
      else (into.unknown ??= []).push({ flags, type, value: Buffer.from(v) });
      return undefined;
    }
    case AttrType.MpUnreach: {
      const m = decodeMpUnreach(v, raw);
      if (m) into.mpUnreach = m;
      else (into.unknown ??= []).push({ flags, type, value: Buffer.from(v) });
      return undefined;
    }
    default:
      if (!(flags & AttrFlag.Optional)) {
        throw new BgpDecodeError(ErrorCode.Update, UpdateSubcode.UnrecognizedWellKnown, `unrecognized well-known attribute ${type}`, Buffer.from(raw));
      }
      (into.unknown ??= []).push({ flags: flags & ~AttrFlag.ExtendedLength, type, value: Buffer.from(v) });
      return undefined;
  }
}
