// Ethernet II header (dst, src, ethertype): the envelope around ARP frames on an AF_PACKET socket.
import { Layer2DecodeError, need } from './errors';
import { macFromBuffer, writeMac, type Mac } from './mac';

export const ETH_HEADER_LEN = 14;
/** Minimum Ethernet frame without FCS; shorter frames are padded with zeros. */
export const ETH_MIN_FRAME = 60;
export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;

export interface EthernetHeader {
  dst: Mac;
  src: Mac;
  etherType: number;
}

export function encodeEthernet(h: EthernetHeader, payload: Buffer): Buffer {
  const len = Math.max(ETH_MIN_FRAME, ETH_HEADER_LEN + payload.length);
  const buf = Buffer.alloc(len);
  writeEthernetHeader(h, buf, 0);
  payload.copy(buf, ETH_HEADER_LEN);
  return buf;
}

/** Writes the 14-byte header at `offset` (no allocation: the ARP fast path encodes in place). */
export function writeEthernetHeader(h: EthernetHeader, buf: Buffer, offset: number): void {
  writeMac(h.dst, buf, offset);
  writeMac(h.src, buf, offset + 6);
  buf.writeUInt16BE(h.etherType, offset + 12);
}

export function decodeEthernet(buf: Buffer): { header: EthernetHeader; payload: Buffer } {
  if (!Buffer.isBuffer(buf)) throw new Layer2DecodeError('ethernet: not a Buffer');
  need(buf, ETH_HEADER_LEN, 'ethernet header');
  return {
    header: { dst: macFromBuffer(buf, 0), src: macFromBuffer(buf, 6), etherType: buf.readUInt16BE(12) },
    payload: buf.subarray(ETH_HEADER_LEN),
  };
}
