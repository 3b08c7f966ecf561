// NLRI prefixes (length byte + significant octets) as canonical "addr/len" strings.
import * as ipaddr from 'ipaddr.js';
import { BgpDecodeError } from './errors';

export type Family = 4 | 6;

/** Canonical text of a prefix: host bits cleared, compact IPv6 ("2001:db8::/64"). */
export function canonicalPrefix(text: string): string {
  const { family, bytes, length } = parsePrefix(text);
  return formatPrefix(family, bytes, length);
}

export function prefixFamily(text: string): Family {
  return text.includes(':') ? 6 : 4;
}

/** Parses "a.b.c.d/len" or "v6/len" (a bare address means a host route); clears host bits. */
export function parsePrefix(text: string): { family: Family; bytes: Buffer; length: number } {
  const slash = text.indexOf('/');
  const addrText = slash < 0 ? text : text.slice(0, slash);
  if (!ipaddr.isValid(addrText)) throw new RangeError(`invalid prefix ${JSON.stringify(text)}`);
  const addr = ipaddr.parse(addrText);
  const family: Family = addr.kind() === 'ipv4' ? 4 : 6;
  const bits = family === 4 ? 32 : 128;
  const length = slash < 0 ? bits : Number(text.slice(slash + 1));
  if (!Number.isInteger(length) || length < 0 || length > bits || (slash >= 0 && !/^\d+$/.test(text.slice(slash + 1)))) {
    throw new RangeError(`invalid prefix length in ${JSON.stringify(text)}`);
  }
  const bytes = Buffer.from(addr.toByteArray());
  maskBytes(bytes, length);
  return { family, bytes, length };
}

function maskBytes(bytes: Buffer, length: number): void {
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, length - i * 8));
    bytes[i] = (bytes[i] ?? 0) & (keep === 8 ? 0xff : (0xff << (8 - keep)) & 0xff);
  }
}

export function formatPrefix(family: Family, bytes: Buffer, length: number): string {
  if (family === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}/${length}`;
  return `${ipaddr.fromByteArray(Array.from(bytes)).toString()}/${length}`;
}

/** Wire size of one encoded prefix. */
export function encodedPrefixSize(text: string): number {
  const slash = text.indexOf('/');
  const bits = text.includes(':') ? 128 : 32;
  const length = slash < 0 ? bits : Number(text.slice(slash + 1));
  return 1 + Math.ceil(length / 8);
}

export function encodePrefix(text: string): Buffer {
  const { bytes, length } = parsePrefix(text);
  const n = Math.ceil(length / 8);
  const out = Buffer.alloc(1 + n);
  out[0] = length;
  bytes.copy(out, 1, 0, n);
  return out;
}

export function encodePrefixes(list: readonly string[]): Buffer {
  return Buffer.concat(list.map(encodePrefix));
}

/** Decodes a run of prefixes filling `buf` entirely; malformed → BgpDecodeError(code, subcode). */
export function decodePrefixes(buf: Buffer, family: Family, code: number, subcode: number): string[] {
  const out: string[] = [];
  const bits = family === 4 ? 32 : 128;
  let off = 0;
  while (off < buf.length) {
    const length = buf.readUInt8(off);
    if (length > bits) throw new BgpDecodeError(code, subcode, `prefix length ${length} > ${bits}`);
    const n = Math.ceil(length / 8);
    if (off + 1 + n > buf.length) throw new BgpDecodeError(code, subcode, `prefix of length ${length} truncated`);
    const bytes = Buffer.alloc(bits / 8);
    buf.copy(bytes, 0, off + 1, off + 1 + n);
    maskBytes(bytes, length);
    out.push(formatPrefix(family, bytes, length));
    off += 1 + n;
  }
  return out;
}

/** IP address text → bytes (4 or 16). */
export function addressBytes(text: string): Buffer {
  if (!ipaddr.isValid(text)) throw new RangeError(`invalid address ${JSON.stringify(text)}`);
  return Buffer.from(ipaddr.parse(text).toByteArray());
}

export function formatAddress(bytes: Buffer): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  return ipaddr.fromByteArray(Array.from(bytes)).toString();
}
