// Pool address text (`a.b.c.d/n` or `first-last`, IPv4 or IPv6) as inclusive bigint ranges, and CIDR cover maths.
import { formatIp, ipBits, isIpv4Mapped, parseIp, type IpFamily } from '../net/ip';
import type { IpRange } from './model';

export type RangeParse = { ok: true; range: IpRange; note?: string } | { ok: false; message: string };

/** Parses one `addresses:` entry. `note` is set when a CIDR had host bits (they are masked, as Go's ParseCIDR does). */
export function parseAddressRange(text: string): RangeParse {
  const trimmed = text.trim();
  const notRange = { ok: false as const, message: `${JSON.stringify(text)} is not a CIDR or an address range` };
  const mapped = { ok: false as const, message: `${JSON.stringify(text)} uses IPv4-mapped IPv6 addresses (::ffff:a.b.c.d); write the IPv4 addresses` };
  if (trimmed.includes('/')) {
    const cidr = parseCidr(trimmed, text);
    if (cidr?.ok && isIpv4Mapped({ family: cidr.range.family, value: cidr.range.first })) return mapped;
    return cidr ?? notRange;
  }
  const dash = trimmed.indexOf('-');
  if (dash < 0) {
    // MetalLB rejects a bare address; say how to write a single one.
    const ip = parseIp(trimmed);
    if (!ip) return notRange;
    const bits = ipBits(ip.family);
    return { ok: false, message: `${notRange.message} (write a single address as ${trimmed}/${bits})` };
  }
  const start = parseIp(trimmed.slice(0, dash));
  const end = parseIp(trimmed.slice(dash + 1));
  if (!start || !end) return notRange;
  if (isIpv4Mapped(start) || isIpv4Mapped(end)) return mapped;
  if (start.family !== end.family) {
    return { ok: false, message: `${JSON.stringify(text)} mixes IPv4 and IPv6 addresses` };
  }
  if (start.value > end.value) {
    return { ok: false, message: `${JSON.stringify(text)}: range start is after its end` };
  }
  return { ok: true, range: { family: start.family, first: start.value, last: end.value, text } };
}

function parseCidr(trimmed: string, text: string): RangeParse | undefined {
  const m = /^([^/\s]+)\/(0|[1-9]\d{0,2})$/.exec(trimmed);
  if (!m) return undefined;
  const ip = parseIp(m[1] ?? '');
  if (!ip) return undefined;
  const bits = ipBits(ip.family);
  const prefixLength = Number(m[2]);
  if (prefixLength > bits) return undefined;
  const hostBits = BigInt(bits - prefixLength);
  const first = (ip.value >> hostBits) << hostBits;
  const last = first + (1n << hostBits) - 1n;
  const range: IpRange = { family: ip.family, first, last, text, prefixLength };
  if (first !== ip.value) {
    const network = `${formatIp({ family: ip.family, value: first })}/${prefixLength}`;
    return { ok: true, range, note: `${JSON.stringify(text)} has host bits set; it means ${network}` };
  }
  return { ok: true, range };
}

export interface Cidr {
  family: IpFamily;
  network: bigint;
  prefixLength: number;
}

/** The minimal list of CIDRs exactly covering [first, last]. */
export function coveringCidrs(range: Pick<IpRange, 'family' | 'first' | 'last'>): Cidr[] {
  const bits = ipBits(range.family);
  const out: Cidr[] = [];
  let start = range.first;
  while (start <= range.last) {
    // Largest block aligned at `start` that does not pass `last`.
    let size = bits;
    while (size > 0) {
      const hostBits = BigInt(bits - size + 1);
      const aligned = (start >> hostBits) << hostBits === start;
      const end = start + (1n << hostBits) - 1n;
      if (!aligned || end > range.last) break;
      size--;
    }
    out.push({ family: range.family, network: start, prefixLength: size });
    start += 1n << BigInt(bits - size);
  }
  return out;
}

/** The shortest prefix length among the CIDRs covering a range (its own prefix for a CIDR). */
export function widestPrefixLength(range: IpRange): number {
  if (range.prefixLength !== undefined) return range.prefixLength;
  return Math.min(...coveringCidrs(range).map((c) => c.prefixLength));
}

export function rangesOverlap(a: IpRange, b: IpRange): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp({ family: c.family, value: c.network })}/${c.prefixLength}`;
}

/** Number of addresses in a range. */
export function rangeSize(range: IpRange): bigint {
  return range.last - range.first + 1n;
}
