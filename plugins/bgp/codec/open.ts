// OPEN message and its capabilities (RFC 4271 §4.2, RFC 5492, 4760, 2918, 4724, 6793).
import { AS_TRANS, BGP_VERSION, CapabilityCode } from './constants';
import { BgpDecodeError, ErrorCode, OpenSubcode, need } from './errors';
import { addressBytes, formatAddress } from './prefix';

export interface GracefulRestartAfi {
  afi: number;
  safi: number;
  /** Bit 0x80: forwarding state preserved. */
  flags: number;
}

export type Capability =
  | { code: typeof CapabilityCode.Multiprotocol; afi: number; safi: number }
  | { code: typeof CapabilityCode.RouteRefresh }
  | { code: typeof CapabilityCode.FourOctetAs; asn: number }
  | { code: typeof CapabilityCode.GracefulRestart; restartFlags: number; restartTime: number; afis: GracefulRestartAfi[] }
  | { code: number; raw: Buffer };

export interface OpenMessage {
  version: number;
  /** The 2-octet "My Autonomous System" field (AS_TRANS when the real ASN is > 65535). */
  myAs: number;
  holdTime: number;
  /** Dotted-quad BGP identifier. */
  bgpId: string;
  capabilities: Capability[];
}

const CAP_PARAM = 2;

/** Builds an OPEN from a real ASN (4-octet capability added, AS_TRANS applied). */
export function makeOpen(opts: {
  asn: number;
  holdTime: number;
  bgpId: string;
  afis: Array<{ afi: number; safi: number }>;
  routeRefresh?: boolean;
  gracefulRestart?: { restartTime: number; restarting?: boolean; afis?: GracefulRestartAfi[] };
}): OpenMessage {
  const caps: Capability[] = opts.afis.map((a) => ({ code: CapabilityCode.Multiprotocol, afi: a.afi, safi: a.safi }));
  if (opts.routeRefresh !== false) caps.push({ code: CapabilityCode.RouteRefresh });
  if (opts.gracefulRestart) {
    caps.push({
      code: CapabilityCode.GracefulRestart,
      restartFlags: opts.gracefulRestart.restarting ? 0x8 : 0,
      restartTime: opts.gracefulRestart.restartTime,
      afis: opts.gracefulRestart.afis ?? [],
    });
  }
  caps.push({ code: CapabilityCode.FourOctetAs, asn: opts.asn });
  return { version: BGP_VERSION, myAs: opts.asn > 0xffff ? AS_TRANS : opts.asn, holdTime: opts.holdTime, bgpId: opts.bgpId, capabilities: caps };
}

function encodeCapability(c: Capability): Buffer {
  let value: Buffer;
  if ('raw' in c) value = c.raw;
  else if (c.code === CapabilityCode.Multiprotocol) {
    value = Buffer.alloc(4);
    value.writeUInt16BE(c.afi, 0);
    value.writeUInt8(c.safi, 3);
  } else if (c.code === CapabilityCode.RouteRefresh) value = Buffer.alloc(0);
  else if (c.code === CapabilityCode.FourOctetAs) {
    value = Buffer.alloc(4);
    value.writeUInt32BE(c.asn >>> 0, 0);
  } else {
    value = Buffer.alloc(2 + 4 * c.afis.length);
    value.writeUInt16BE(((c.restartFlags & 0xf) << 12) | (c.restartTime & 0xfff), 0);
    c.afis.forEach((a, i) => {
      value.writeUInt16BE(a.afi, 2 + i * 4);
      value.writeUInt8(a.safi, 4 + i * 4);
      value.writeUInt8(a.flags, 5 + i * 4);
    });
  }
  if (value.length > 255) throw new RangeError(`capability ${c.code} too long`);
  return Buffer.concat([Buffer.from([c.code, value.length]), value]);
}

export function encodeOpen(m: OpenMessage): Buffer {
  // One optional parameter per capability, as FRR and GoBGP do; both forms are valid (RFC 5492).
  const params = m.capabilities.map((c) => {
    const cap = encodeCapability(c);
    return Buffer.concat([Buffer.from([CAP_PARAM, cap.length]), cap]);
  });
  const opt = Buffer.concat(params);
  if (opt.length > 255) throw new RangeError('OPEN optional parameters exceed 255 bytes');
  const head = Buffer.alloc(10);
  head.writeUInt8(m.version, 0);
  head.writeUInt16BE(m.myAs, 1);
  head.writeUInt16BE(m.holdTime, 3);
  addressBytes(m.bgpId).copy(head, 5);
  head.writeUInt8(opt.length, 9);
  return Buffer.concat([head, opt]);
}

function decodeCapability(code: number, value: Buffer): Capability {
  const bad = (): never => {
    throw new BgpDecodeError(ErrorCode.Open, 0, `capability ${code} has bad length ${value.length}`);
  };
  switch (code) {
    case CapabilityCode.Multiprotocol:
      if (value.length !== 4) bad();
      return { code, afi: value.readUInt16BE(0), safi: value.readUInt8(3) };
    case CapabilityCode.RouteRefresh:
      if (value.length !== 0) bad();
      return { code };
    case CapabilityCode.FourOctetAs:
      if (value.length !== 4) bad();
      return { code, asn: value.readUInt32BE(0) };
    case CapabilityCode.GracefulRestart: {
      if (value.length < 2 || (value.length - 2) % 4 !== 0) bad();
      const w = value.readUInt16BE(0);
      const afis: GracefulRestartAfi[] = [];
      for (let o = 2; o < value.length; o += 4) afis.push({ afi: value.readUInt16BE(o), safi: value.readUInt8(o + 2), flags: value.readUInt8(o + 3) });
      return { code, restartFlags: w >> 12, restartTime: w & 0xfff, afis };
    }
    default:
      return { code, raw: Buffer.from(value) };
  }
}

/** Decodes an OPEN body (after the header). Structural problems → BgpDecodeError(2, x). */
export function decodeOpen(body: Buffer): OpenMessage {
  need(body, 0, 10, ErrorCode.MessageHeader, 2, 'OPEN');
  const version = body[0];
  if (version !== BGP_VERSION) {
    throw new BgpDecodeError(ErrorCode.Open, OpenSubcode.UnsupportedVersion, `unsupported version ${version}`, Buffer.from([0, BGP_VERSION]));
  }
  const myAs = body.readUInt16BE(1);
  const holdTime = body.readUInt16BE(3);
  const bgpId = formatAddress(body.subarray(5, 9));
  const optLen = body.readUInt8(9);
  if (10 + optLen !== body.length) throw new BgpDecodeError(ErrorCode.Open, 0, `optional parameters length ${optLen} does not match message`);
  const capabilities: Capability[] = [];
  let off = 10;
  while (off < body.length) {
    need(body, off, 2, ErrorCode.Open, 0, 'optional parameter');
    const ptype = body[off];
    const plen = body.readUInt8(off + 1);
    need(body, off + 2, plen, ErrorCode.Open, 0, 'optional parameter value');
    if (ptype !== CAP_PARAM) {
      throw new BgpDecodeError(ErrorCode.Open, OpenSubcode.UnsupportedOptionalParameter, `unsupported optional parameter ${ptype}`);
    }
    let c = off + 2;
    const end = off + 2 + plen;
    while (c < end) {
      need(body, c, 2, ErrorCode.Open, 0, 'capability');
      const code = body.readUInt8(c);
      const clen = body.readUInt8(c + 1);
      if (c + 2 + clen > end) throw new BgpDecodeError(ErrorCode.Open, 0, `capability ${code} overruns its parameter`);
      capabilities.push(decodeCapability(code, body.subarray(c + 2, c + 2 + clen)));
      c += 2 + clen;
    }
    off = end;
  }
  return { version, myAs, holdTime, bgpId, capabilities };
}

/** The peer's real ASN: the 4-octet capability when present, else the 2-octet field. */
export function openAsn(m: OpenMessage): number {
  const c = m.capabilities.find((x) => x.code === CapabilityCode.FourOctetAs && 'asn' in x) as { asn: number } | undefined;
  return c ? c.asn : m.myAs;
}

export function hasCapability(m: OpenMessage, code: number): boolean {
  return m.capabilities.some((c) => c.code === code);
}

export function multiprotocolAfis(m: OpenMessage): Array<{ afi: number; safi: number }> {
  return m.capabilities.flatMap((c) => (c.code === CapabilityCode.Multiprotocol && 'afi' in c ? [{ afi: c.afi, safi: c.safi }] : []));
}
