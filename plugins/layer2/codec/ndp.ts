// ICMPv6 Neighbor Solicitation/Advertisement (RFC 4861 §4.3–4.4) with their options, as raw ICMPv6 sockets see them.
import { Layer2DecodeError, need } from './errors';
import { canonicalIpv6, ipv6ToBuffer } from './ipv6';
import { macFromBuffer, macToBuffer, type Mac } from './mac';

export const ICMP6_NS = 135;
export const ICMP6_NA = 136;
export const OPT_SOURCE_LLA = 1;
export const OPT_TARGET_LLA = 2;
/** NS/NA fixed part: type, code, checksum, reserved/flags (4), target (16). */
export const NDP_FIXED_LEN = 24;

const NA_ROUTER = 0x80;
const NA_SOLICITED = 0x40;
const NA_OVERRIDE = 0x20;

/** One NDP option; `data` is everything after type and length (8·len − 2 bytes). */
export interface NdpOption {
  type: number;
  data: Buffer;
}

export interface NeighborSolicitation {
  type: typeof ICMP6_NS;
  target: string;
  options: NdpOption[];
}

export interface NeighborAdvertisement {
  type: typeof ICMP6_NA;
  router: boolean;
  solicited: boolean;
  override: boolean;
  target: string;
  options: NdpOption[];
}

export type NdpMessage = NeighborSolicitation | NeighborAdvertisement;

/** A source (1) or target (2) link-layer address option for an Ethernet MAC. */
export function llaOption(type: typeof OPT_SOURCE_LLA | typeof OPT_TARGET_LLA, mac: Mac): NdpOption {
  return { type, data: macToBuffer(mac) };
}

/** The MAC in the first link-layer address option of `type`, if it is Ethernet-sized. */
export function findLla(msg: NdpMessage, type: typeof OPT_SOURCE_LLA | typeof OPT_TARGET_LLA): Mac | undefined {
  const opt = msg.options.find((o) => o.type === type);
  return opt && opt.data.length >= 6 ? macFromBuffer(opt.data) : undefined;
}

function encodeOptions(options: NdpOption[]): Buffer[] {
  return options.map((o) => {
    if (!Number.isInteger(o.type) || o.type < 0 || o.type > 255) throw new RangeError(`bad NDP option type ${o.type}`);
    const units = Math.ceil((o.data.length + 2) / 8);
    if (units > 255) throw new RangeError('NDP option too long');
    const b = Buffer.alloc(units * 8);
    b[0] = o.type;
    b[1] = units;
    o.data.copy(b, 2);
    return b;
  });
}

function decodeOptions(buf: Buffer): NdpOption[] {
  const out: NdpOption[] = [];
  let off = 0;
  while (off < buf.length) {
    need(buf.subarray(off), 2, 'ndp option header');
    const units = buf.readUInt8(off + 1);
    if (units === 0) throw new Layer2DecodeError('ndp: option with length 0');
    const end = off + units * 8;
    if (end > buf.length) throw new Layer2DecodeError(`ndp: option overruns message (${end} > ${buf.length})`);
    out.push({ type: buf.readUInt8(off), data: Buffer.from(buf.subarray(off + 2, end)) });
    off = end;
  }
  return out;
}

/** The ICMPv6 message with checksum 0: Linux computes it on raw ICMPv6 sockets. */
export function encodeNdp(msg: NdpMessage): Buffer {
  const head = Buffer.alloc(NDP_FIXED_LEN);
  head[0] = msg.type;
  if (msg.type === ICMP6_NA) {
    head[4] = (msg.router ? NA_ROUTER : 0) | (msg.solicited ? NA_SOLICITED : 0) | (msg.override ? NA_OVERRIDE : 0);
  } else if (msg.type !== ICMP6_NS) {
    throw new RangeError(`not an NS/NA type: ${(msg as { type: number }).type}`);
  }
  ipv6ToBuffer(msg.target).copy(head, 8);
  return Buffer.concat([head, ...encodeOptions(msg.options)]);
}

export function decodeNdp(buf: Buffer): NdpMessage {
  if (!Buffer.isBuffer(buf)) throw new Layer2DecodeError('ndp: not a Buffer');
  need(buf, NDP_FIXED_LEN, 'ndp');
  const type = buf[0];
  if (type !== ICMP6_NS && type !== ICMP6_NA) throw new Layer2DecodeError(`icmpv6: type ${type} is not NS/NA`);
  if (buf[1] !== 0) throw new Layer2DecodeError(`ndp: code ${buf[1]} is not 0`);
  const target = canonicalIpv6(buf, 8);
  const options = decodeOptions(buf.subarray(NDP_FIXED_LEN));
  if (type === ICMP6_NS) return { type, target, options };
  const flags = buf.readUInt8(4);
  return {
    type,
    router: (flags & NA_ROUTER) !== 0,
    solicited: (flags & NA_SOLICITED) !== 0,
    override: (flags & NA_OVERRIDE) !== 0,
    target,
    options,
  };
}

/** Solicited-node multicast group ff02::1:ffXX:XXXX of an IPv6 address (RFC 4291 §2.7.1). */
export function solicitedNodeGroup(ip: string): string {
  const b = ipv6ToBuffer(ip);
  const g = Buffer.from([0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, ...b.subarray(13, 16)]);
  return canonicalIpv6(g);
}
