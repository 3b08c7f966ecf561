// ARP over Ethernet/IPv4 (RFC 826): requests, replies and gratuitous announcements, framed and padded.
import { Layer2DecodeError, need } from './errors';
import { decodeEthernet, encodeEthernet, ETHERTYPE_ARP, ETHERTYPE_IPV4 } from './ethernet';
import { BROADCAST_MAC, macFromBuffer, macToBuffer, type Mac } from './mac';

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

function ipv4ToBuffer(ip: string): Buffer {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) throw new RangeError(`not an IPv4 address: ${ip}`);
  const bytes = m.slice(1).map(Number);
  if (bytes.some((b) => b > 255)) throw new RangeError(`not an IPv4 address: ${ip}`);
  return Buffer.from(bytes);
}

function ipv4FromBuffer(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

export function encodeArpPayload(p: ArpPacket): Buffer {
  if (!Number.isInteger(p.op) || p.op < 0 || p.op > 0xffff) throw new RangeError(`bad ARP op ${p.op}`);
  const buf = Buffer.alloc(ARP_PAYLOAD_LEN);
  buf.writeUInt16BE(1, 0); // htype Ethernet
  buf.writeUInt16BE(ETHERTYPE_IPV4, 2);
  buf[4] = 6;
  buf[5] = 4;
  buf.writeUInt16BE(p.op, 6);
  macToBuffer(p.senderMac).copy(buf, 8);
  ipv4ToBuffer(p.senderIp).copy(buf, 14);
  macToBuffer(p.targetMac).copy(buf, 18);
  ipv4ToBuffer(p.targetIp).copy(buf, 24);
  return buf;
}

export function decodeArpPayload(buf: Buffer): ArpPacket {
  need(buf, ARP_PAYLOAD_LEN, 'arp');
  const htype = buf.readUInt16BE(0);
  const ptype = buf.readUInt16BE(2);
  if (htype !== 1) throw new Layer2DecodeError(`arp: hardware type ${htype} is not Ethernet`);
  if (ptype !== ETHERTYPE_IPV4) throw new Layer2DecodeError(`arp: protocol type 0x${ptype.toString(16)} is not IPv4`);
  if (buf[4] !== 6 || buf[5] !== 4) throw new Layer2DecodeError(`arp: address lengths ${buf[4]}/${buf[5]} are not 6/4`);
  return {
    op: buf.readUInt16BE(6),
    senderMac: macFromBuffer(buf, 8),
    senderIp: ipv4FromBuffer(buf, 14),
    targetMac: macFromBuffer(buf, 18),
    targetIp: ipv4FromBuffer(buf, 24),
  };
}

/** Ethernet + ARP, padded to 60 bytes. */
export function encodeArpFrame(f: ArpFrame): Buffer {
  return encodeEthernet({ dst: f.ethDst, src: f.ethSrc, etherType: ETHERTYPE_ARP }, encodeArpPayload(f));
}

export function decodeArpFrame(buf: Buffer): ArpFrame {
  const { header, payload } = decodeEthernet(buf);
  if (header.etherType !== ETHERTYPE_ARP) {
    throw new Layer2DecodeError(`ethernet: ethertype 0x${header.etherType.toString(16)} is not ARP`);
  }
  return { ethDst: header.dst, ethSrc: header.src, ...decodeArpPayload(payload) };
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
