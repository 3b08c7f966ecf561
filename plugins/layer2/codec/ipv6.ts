// IPv6 carrying ICMPv6 in an Ethernet frame (RFC 8200 §3, RFC 4443 §2.3): how an AF_PACKET socket sees NDP, hop limit and checksum included.
import { ETH_HEADER_LEN, ETH_MIN_FRAME, ETHERTYPE_IPV6, writeEthernetHeader } from './ethernet';
import { Layer2DecodeError, need } from './errors';
import { macFromBuffer, type Mac } from './mac';
import { formatIp, ipFromBuffer, ipToBuffer, parseIp } from '../../../src/core/plugin-api';

export const IPV6_HEADER_LEN = 40;
export const NEXT_HEADER_ICMPV6 = 58;

/** 16 bytes of an IPv6 address text (RangeError for anything else). */
export function ipv6ToBuffer(text: string): Buffer {
  const ip = parseIp(text);
  if (!ip || ip.family !== 6) throw new RangeError(`not an IPv6 address: ${text}`);
  return ipToBuffer(ip);
}

/** The canonical text of the IPv6 address in `buf` at `off`. */
export function canonicalIpv6(buf: Buffer, off = 0): string {
  return formatIp(ipFromBuffer(Buffer.from(buf.subarray(off, off + 16))));
}


/** An ICMPv6 message with the IPv6 and Ethernet fields NDP validation needs. */
export interface Icmpv6Frame {
  ethDst: Mac;
  ethSrc: Mac;
  src: string;
  dst: string;
  hopLimit: number;
  /** The ICMPv6 message, checksum included. */
  message: Buffer;
}

/**
 * Decodes Ethernet + IPv6 (no extension header) + ICMPv6 and verifies the ICMPv6 checksum; bytes
 * after the payload length (Ethernet padding) are ignored.
 */
export function decodeIcmpv6Frame(frame: Buffer): Icmpv6Frame {
  if (!Buffer.isBuffer(frame)) throw new Layer2DecodeError('ethernet: not a Buffer');
  need(frame, ETH_HEADER_LEN + IPV6_HEADER_LEN, 'ipv6 frame');
  const etherType = frame.readUInt16BE(12);
  if (etherType !== ETHERTYPE_IPV6) throw new Layer2DecodeError(`ethernet: ethertype 0x${etherType.toString(16)} is not IPv6`);
  const ip = ETH_HEADER_LEN;
  const version = frame.readUInt8(ip) >> 4;
  if (version !== 6) throw new Layer2DecodeError(`ipv6: version ${version}`);
  const payloadLen = frame.readUInt16BE(ip + 4);
  if (frame[ip + 6] !== NEXT_HEADER_ICMPV6) throw new Layer2DecodeError(`ipv6: next header ${frame[ip + 6]} is not ICMPv6`);
  const start = ip + IPV6_HEADER_LEN;
  if (frame.length < start + payloadLen) throw new Layer2DecodeError(`ipv6: payload length ${payloadLen} exceeds the frame (${frame.length - start})`);
  if (payloadLen < 4) throw new Layer2DecodeError(`icmpv6: ${payloadLen} bytes`);
  const src = canonicalIpv6(frame, ip + 8);
  const dst = canonicalIpv6(frame, ip + 24);
  const message = frame.subarray(start, start + payloadLen);
  const sum = icmpv6Checksum(src, dst, message);
  const got = message.readUInt16BE(2);
  // 0x0000 and 0xffff are the same one's-complement sum.
  if (got !== sum && !((got === 0 || got === 0xffff) && (sum === 0 || sum === 0xffff))) throw new Layer2DecodeError(`icmpv6: checksum 0x${got.toString(16)}, expected 0x${sum.toString(16)}`);
  return { ethDst: macFromBuffer(frame, 0), ethSrc: macFromBuffer(frame, 6), src, dst, hopLimit: frame.readUInt8(ip + 7), message };
}

/** The frame `decodeIcmpv6Frame` reads back: checksum computed, padded to the Ethernet minimum. */
export function encodeIcmpv6Frame(f: Icmpv6Frame): Buffer {
  const msg = Buffer.from(f.message);
  if (msg.length < 4) throw new RangeError('icmpv6 message shorter than 4 bytes');
  if (!Number.isInteger(f.hopLimit) || f.hopLimit < 0 || f.hopLimit > 255) throw new RangeError(`bad hop limit ${f.hopLimit}`);
  msg.writeUInt16BE(icmpv6Checksum(f.src, f.dst, msg), 2);
  const frame = Buffer.alloc(Math.max(ETH_MIN_FRAME, ETH_HEADER_LEN + IPV6_HEADER_LEN + msg.length));
  writeEthernetHeader({ dst: f.ethDst, src: f.ethSrc, etherType: ETHERTYPE_IPV6 }, frame, 0);
  const ip = ETH_HEADER_LEN;
  frame[ip] = 0x60;
  frame.writeUInt16BE(msg.length, ip + 4);
  frame[ip + 6] = NEXT_HEADER_ICMPV6;
  frame[ip + 7] = f.hopLimit;
  ipv6ToBuffer(f.src).copy(frame, ip + 8);
  ipv6ToBuffer(f.dst).copy(frame, ip + 24);
  msg.copy(frame, ip + IPV6_HEADER_LEN);
  return frame;
}

/** ICMPv6 checksum over the IPv6 pseudo-header (RFC 4443 §2.3): verified by decode, written by encode. */
export function icmpv6Checksum(src: string, dst: string, msg: Buffer): number {
  const pseudo = Buffer.alloc(40);
  ipv6ToBuffer(src).copy(pseudo, 0);
  ipv6ToBuffer(dst).copy(pseudo, 16);
  pseudo.writeUInt32BE(msg.length, 32);
  pseudo[39] = NEXT_HEADER_ICMPV6;
  const copy = Buffer.from(msg);
  if (copy.length >= 4) copy.writeUInt16BE(0, 2);
  let sum = 0;
  for (const part of [pseudo, copy]) {
    for (let i = 0; i < part.length; i += 2) sum += ((part[i] ?? 0) << 8) | (part[i + 1] ?? 0);
  }
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}
