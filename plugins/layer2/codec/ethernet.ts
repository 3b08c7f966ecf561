// Ethernet II header (dst, src, ethertype): the envelope around ARP frames on an AF_PACKET socket.
import { Layer2DecodeError, need } from './errors';
import { macFromBuffer, macToBuffer, type Mac } from './mac';

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
  macToBuffer(h.dst).copy(buf, 0);
  macToBuffer(h.src).copy(buf, 6);
  buf.writeUInt16BE(h.etherType, 12);
  payload.copy(buf, ETH_HEADER_LEN);
  return buf;
}

export function decodeEthernet(buf: Buffer): { header: EthernetHeader; payload: Buffer } {
  if (!Buffer.isBuffer(buf)) throw new Layer2DecodeError('ethernet: not a Buffer');
  need(buf, ETH_HEADER_LEN, 'ethernet header');
  return {
    header: { dst: macFromBuffer(buf, 0), src: macFromBuffer(buf, 6), etherType: buf.readUInt16BE(12) },
    payload: buf.subarray(ETH_HEADER_LEN),
  };
}
