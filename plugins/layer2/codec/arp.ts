// ARP over Ethernet/IPv4 (RFC 826): requests, replies and gratuitous announcements, framed and padded.
import { AddressTextCache } from './address-text-cache';
import { Layer2DecodeError, need } from './errors';
import { ETH_HEADER_LEN, ETH_MIN_FRAME, ETHERTYPE_ARP, ETHERTYPE_IPV4, writeEthernetHeader } from './ethernet';
import { BROADCAST_MAC, macFromBuffer, writeMac, type Mac } from './mac';

export const ARP_REQUEST = 1;
export const ARP_REPLY = 2;
export const ARP_PAYLOAD_LEN = 28;

export interface ArpPacket {
  op: number;
  senderMac: Mac;
  senderIp: string;
  targetMac: Mac;
  targetIp: string;
}

/** An ARP packet with the Ethernet addresses it travelled with. */
export interface ArpFrame extends ArpPacket {
  ethDst: Mac;
  ethSrc: Mac;
}

/** Writes dotted-quad `ip` (1–3 digits per part, each ≤ 255) as 4 bytes at `off`; RangeError otherwise (nothing written then). */
function writeIpv4(ip: string, buf: Buffer, off: number): void {
  let part = 0;
  let digits = 0;
  let value = 0;
  const out: [number, number, number, number] = [0, 0, 0, 0];
  let ok = typeof ip === 'string';
  for (let i = 0; ok && i <= ip.length; i++) {
    const c = i < ip.length ? ip.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      ok = ++digits <= 3;
    } else if (c === 46) {
      ok = digits > 0 && value <= 255 && part < 4;
      out[part++] = value;
      digits = 0;
      value = 0;
    } else ok = false;
  }
  if (!ok || part !== 4) throw new RangeError(`not an IPv4 address: ${ip}`);
  buf[off] = out[0];
  buf[off + 1] = out[1];
  buf[off + 2] = out[2];
  buf[off + 3] = out[3];
}

const IPV4_TEXT = new AddressTextCache(4096, (v) => `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`);

function ipv4FromBuffer(buf: Buffer, off: number): string {
  return IPV4_TEXT.get(buf.readUInt32BE(off));
}

export function encodeArpPayload(p: ArpPacket): Buffer {
  const buf = Buffer.alloc(ARP_PAYLOAD_LEN);
  writeArpPayload(p, buf, 0);
  return buf;
}

function writeArpPayload(p: ArpPacket, buf: Buffer, off: number): void {
  if (!Number.isInteger(p.op) || p.op < 0 || p.op > 0xffff) throw new RangeError(`bad ARP op ${p.op}`);
  buf.writeUInt16BE(1, off); // htype Ethernet
  buf.writeUInt16BE(ETHERTYPE_IPV4, off + 2);
  buf[off + 4] = 6;
  buf[off + 5] = 4;
  buf.writeUInt16BE(p.op, off + 6);
  writeMac(p.senderMac, buf, off + 8);
  writeIpv4(p.senderIp, buf, off + 14);
  writeMac(p.targetMac, buf, off + 18);
  writeIpv4(p.targetIp, buf, off + 24);
}

export function decodeArpPayload(buf: Buffer): ArpPacket {
  return decodeArpPayloadAt(buf, 0);
}

/** The ARP payload at `o` (a frame is decoded in place: no sub-buffer, no intermediate object). */
function decodeArpPayloadAt(buf: Buffer, o: number): ArpPacket {
  if (buf.length - o < ARP_PAYLOAD_LEN) throw new Layer2DecodeError(`arp: need ${ARP_PAYLOAD_LEN} bytes, got ${Math.max(0, buf.length - o)}`);
  const htype = buf.readUInt16BE(o);
  const ptype = buf.readUInt16BE(o + 2);
  if (htype !== 1) throw new Layer2DecodeError(`arp: hardware type ${htype} is not Ethernet`);
  if (ptype !== ETHERTYPE_IPV4) throw new Layer2DecodeError(`arp: protocol type 0x${ptype.toString(16)} is not IPv4`);
  if (buf[o + 4] !== 6 || buf[o + 5] !== 4) throw new Layer2DecodeError(`arp: address lengths ${buf[o + 4]}/${buf[o + 5]} are not 6/4`);
  return {
    op: buf.readUInt16BE(o + 6),
    senderMac: macFromBuffer(buf, o + 8),
    senderIp: ipv4FromBuffer(buf, o + 14),
    targetMac: macFromBuffer(buf, o + 18),
    targetIp: ipv4FromBuffer(buf, o + 24),
  };
}

/** Bytes of an encoded ARP frame (Ethernet + ARP, zero-padded to the Ethernet minimum). */
export const ARP_FRAME_LEN = ETH_MIN_FRAME;

/** Ethernet + ARP, padded to 60 bytes. */
export function encodeArpFrame(f: ArpFrame): Buffer {
  const buf = Buffer.allocUnsafe(ARP_FRAME_LEN);
  encodeArpFrameInto(f, buf, 0);
  return buf;
}

/** encodeArpFrame into `buf` at `offset` (ARP_FRAME_LEN bytes, padding zeroed): replies of a batch share one buffer. */
export function encodeArpFrameInto(f: ArpFrame, buf: Buffer, offset: number): void {
  if (offset < 0 || offset + ARP_FRAME_LEN > buf.length) throw new RangeError(`no room for an ARP frame at ${offset}`);
  writeEthernetHeader({ dst: f.ethDst, src: f.ethSrc, etherType: ETHERTYPE_ARP }, buf, offset);
  writeArpPayload(f, buf, offset + ETH_HEADER_LEN);
  buf.fill(0, offset + ETH_HEADER_LEN + ARP_PAYLOAD_LEN, offset + ARP_FRAME_LEN);
}

export function decodeArpFrame(buf: Buffer): ArpFrame {
  if (!Buffer.isBuffer(buf)) throw new Layer2DecodeError('ethernet: not a Buffer');
  need(buf, ETH_HEADER_LEN, 'ethernet header');
  const etherType = buf.readUInt16BE(12);
  if (etherType !== ETHERTYPE_ARP) throw new Layer2DecodeError(`ethernet: ethertype 0x${etherType.toString(16)} is not ARP`);
  const p = decodeArpPayloadAt(buf, ETH_HEADER_LEN);
  return { ethDst: macFromBuffer(buf, 0), ethSrc: macFromBuffer(buf, 6), op: p.op, senderMac: p.senderMac, senderIp: p.senderIp, targetMac: p.targetMac, targetIp: p.targetIp };
}

/**
 * encodeArpFrame(arpReplyFor(decodeArpFrame(request), ourMac)) straight from the request's bytes: the
 * responder's hot path, without parsing MAC and IP text back. `request` must be a decoded ARP frame.
 */
export function encodeArpReplyFrame(request: Buffer, ourMac: Buffer): Buffer {
  const out = Buffer.allocUnsafe(ARP_FRAME_LEN);
  // Byte loops, not Buffer#copy: copy with offsets makes a typed-array view per call (garbage at line rate).
  for (let i = 0; i < 6; i++) {
    out[i] = request[22 + i] ?? 0; // Ethernet destination: the request's sender hardware address
    out[6 + i] = ourMac[i] ?? 0;
    out[22 + i] = ourMac[i] ?? 0;
    out[32 + i] = request[22 + i] ?? 0;
  }
  out.writeUInt16BE(ETHERTYPE_ARP, 12);
  out.writeUInt32BE(0x0001_0800, 14); // Ethernet, IPv4
  out.writeUInt16BE(0x0604, 18); // address lengths 6 and 4
  out.writeUInt16BE(ARP_REPLY, 20);
  for (let i = 0; i < 4; i++) {
    out[28 + i] = request[38 + i] ?? 0; // sender IP: the address asked for
    out[38 + i] = request[28 + i] ?? 0;
  }
  out.fill(0, 42);
  return out;
}

/** The unicast reply to `req` announcing that `ourMac` has `req.targetIp`. */
export function arpReplyFor(req: ArpFrame, ourMac: Mac): ArpFrame {
  return {
    ethDst: req.senderMac,
    ethSrc: ourMac,
    op: ARP_REPLY,
    senderMac: ourMac,
    senderIp: req.targetIp,
    targetMac: req.senderMac,
    targetIp: req.senderIp,
  };
}

/** Gratuitous ARP (request or reply): SPA = TPA = ip, THA broadcast, Ethernet broadcast. */
export function gratuitousArp(op: typeof ARP_REQUEST | typeof ARP_REPLY, ip: string, ourMac: Mac): ArpFrame {
  return {
    ethDst: BROADCAST_MAC,
    ethSrc: ourMac,
    op,
    senderMac: ourMac,
    senderIp: ip,
    targetMac: BROADCAST_MAC,
    targetIp: ip,
  };
}
