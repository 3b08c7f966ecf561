// MAC addresses as canonical lower-case "aa:bb:cc:dd:ee:ff" text, the form logs and `ip neigh` use.
import { AddressTextCache } from './address-text-cache';

export type Mac = string;

export const BROADCAST_MAC: Mac = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC: Mac = '00:00:00:00:00:00';

const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** Byte → two lower-case hex digits (the responder formats two MACs per frame at line rate). */
const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

export function isMac(text: string): boolean {
  return MAC_RE.test(text.toLowerCase());
}

/** Value of one hex digit (any case) or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  return l >= 97 && l <= 102 ? l - 87 : -1;
}

/** Writes "aa:bb:cc:dd:ee:ff" (any case) as 6 bytes at `offset`; throws RangeError on anything else (nothing written then). */
export function writeMac(mac: Mac, buf: Buffer, offset: number): void {
  let ok = typeof mac === 'string' && mac.length === 17;
  for (let i = 0; ok && i < 6; i++) ok = hexDigit(mac.charCodeAt(i * 3)) >= 0 && hexDigit(mac.charCodeAt(i * 3 + 1)) >= 0 && (i === 5 || mac.charCodeAt(i * 3 + 2) === 58);
  if (!ok) throw new RangeError(`not a MAC address: ${mac}`);
  for (let i = 0; i < 6; i++) buf[offset + i] = (hexDigit(mac.charCodeAt(i * 3)) << 4) | hexDigit(mac.charCodeAt(i * 3 + 1));
}

/** Parses "aa:bb:cc:dd:ee:ff" (any case) into 6 bytes; throws RangeError on anything else. */
export function macToBuffer(mac: Mac): Buffer {
  const buf = Buffer.allocUnsafe(6);
  writeMac(mac, buf, 0);
  return buf;
}

const MAC_TEXT = new AddressTextCache(4096, (v) => {
  const hi = Math.floor(v / 0x1_0000_0000);
  const lo = v % 0x1_0000_0000;
  return `${HEX[(hi >>> 8) & 255]}:${HEX[hi & 255]}:${HEX[lo >>> 24]}:${HEX[(lo >>> 16) & 255]}:${HEX[(lo >>> 8) & 255]}:${HEX[lo & 255]}`;
});

export function macFromBuffer(buf: Buffer, offset = 0): Mac {
  if (offset < 0 || offset + 6 > buf.length) throw new RangeError(`no MAC address at ${offset}`);
  return MAC_TEXT.get(buf.readUInt16BE(offset) * 0x1_0000_0000 + buf.readUInt32BE(offset + 2));
}
