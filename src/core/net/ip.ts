// IP addresses as bigint so IPv4 and IPv6 (128-bit) share one arithmetic; parsing via ipaddr.js.
import * as ipaddr from 'ipaddr.js';

/** 4 for IPv4, 6 for IPv6. */
export type IpFamily = 4 | 6;

/** An address as a number: `value` holds 32 (IPv4) or 128 (IPv6) bits. */
export interface Ip {
  /** 4 or 6. */
  family: IpFamily;
  /** The address as an unsigned integer. */
  value: bigint;
}

/** Parses a textual IPv4/IPv6 address; undefined when it is not one. IPv4-mapped IPv6 stays IPv6. */
export function parseIp(text: string): Ip | undefined {
  const trimmed = text.trim();
  // Zones (fe80::1%eth0) are not addresses Go's net.ParseIP or the API server's isIP() accept.
  if (trimmed.includes('%') || !ipaddr.isValid(trimmed)) return undefined;
  // ipaddr.js accepts odd IPv4 forms ("10", "0x0a.1", octal "010"); Go takes only dotted quads without leading zeros.
  if (!trimmed.includes(':') && !/^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/.test(trimmed)) return undefined;
  const addr = ipaddr.parse(trimmed);
  const bytes = addr.toByteArray();
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return { family: addr.kind() === 'ipv4' ? 4 : 6, value };
}

/** ::ffff:a.b.c.d: the Kubernetes API (isIP, isCIDR) refuses these in configuration, so metallbts does too. */
export function isIpv4Mapped(ip: Ip): boolean {
  return ip.family === 6 && ip.value >> 32n === 0xffffn;
}

/** Address width in bits: 32 or 128. */
export function ipBits(family: IpFamily): number {
  return family === 4 ? 32 : 128;
}

/** Canonical text of an address (IPv6: lower case, the longest zero run as `::`). */
export function formatIp(ip: Ip): string {
  const n = ip.family === 4 ? 4 : 16;
  const bytes: number[] = new Array<number>(n);
  let v = ip.value;
  for (let i = n - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  const addr = ipaddr.fromByteArray(bytes);
  return addr.toString();
}

/** Network-order bytes of an address: 4 for IPv4, 16 for IPv6 (for packet codecs). */
export function ipToBuffer(ip: Ip): Buffer {
  const n = ip.family === 4 ? 4 : 16;
  const buf = Buffer.alloc(n);
  let v = ip.value;
  for (let i = n - 1; i >= 0; i--) {
    buf[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return buf;
}

/** Address from 4 or 16 network-order bytes; throws RangeError on any other length. */
export function ipFromBuffer(buf: Buffer): Ip {
  if (buf.length !== 4 && buf.length !== 16) throw new RangeError(`IP buffer must be 4 or 16 bytes, got ${buf.length}`);
  let value = 0n;
  for (const b of buf) value = (value << 8n) | BigInt(b);
  return { family: buf.length === 4 ? 4 : 6, value };
}

/** Normalises an address string to its canonical text, or undefined. */
export function canonicalIp(text: string): string | undefined {
  const ip = parseIp(text);
  return ip ? formatIp(ip) : undefined;
}
