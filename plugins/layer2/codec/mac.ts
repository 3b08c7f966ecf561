// MAC addresses as canonical lower-case "aa:bb:cc:dd:ee:ff" text, the form logs and `ip neigh` use.

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

export function macFromBuffer(buf: Buffer, offset = 0): Mac {
  return `${HEX[buf[offset]]}:${HEX[buf[offset + 1]]}:${HEX[buf[offset + 2]]}:${HEX[buf[offset + 3]]}:${HEX[buf[offset + 4]]}:${HEX[buf[offset + 5]]}`;
}
