// One pool's addresses of one family: membership, free space and counts, with avoid-buggy-ips folded into an index space so it never costs a scan.
//
// With avoidBuggyIPs, IPv4 x.y.z.0 and x.y.z.255 are not allocatable. Instead of skipping them at
// allocation time, addresses are mapped to a dense "index" space where each /24 contributes its
// 254 usable addresses (index = (a >> 8) * 254 + (a & 255) - 1). The map is monotone, so
// "lowest free index" is "lowest free usable address", and a range stays one interval.
import type { IpFamily } from '../net/ip';
import type { IpRange } from '../config/model';
import { FreeIntervals } from './free-intervals';

interface AddressRange {
  first: bigint;
  last: bigint;
}

/** True for IPv4 addresses ending in .0 or .255 (they confuse smurf protection in some CPE firmware). */
export function isBuggyIPv4(family: IpFamily, value: bigint): boolean {
  if (family !== 4) return false;
  const last = value & 255n;
  return last === 0n || last === 255n;
}

export class PoolSpace {
  private readonly ranges: AddressRange[];
  private readonly free = new FreeIntervals();
  private readonly skipsBuggy: boolean;
  /** Number of allocatable addresses. */
  readonly total: bigint;
  private taken = 0;

  constructor(
    readonly family: IpFamily,
    ranges: readonly IpRange[],
    avoidBuggyIPs: boolean,
  ) {
    this.skipsBuggy = avoidBuggyIPs && family === 4;
    this.ranges = mergeRanges(ranges.filter((r) => r.family === family));
    let total = 0n;
    for (const r of this.ranges) {
      const first = this.skipsBuggy ? ceilUsable(r.first) : r.first;
      const last = this.skipsBuggy ? floorUsable(r.last) : r.last;
      if (last < first) continue;
      const lo = this.toIndex(first);
      const hi = this.toIndex(last);
      this.free.addRange(lo, hi);
      total += hi - lo + 1n;
    }
    this.total = total;
  }

  /** Addresses currently taken (each shared address counts once). */
  get inUse(): number {
    return this.taken;
  }

  get available(): bigint {
    return this.total - BigInt(this.taken);
  }

  /** Free fragments (diagnostics/bench). */
  get fragmentCount(): number {
    return this.free.intervalCount;
  }

  /** True when `value` is an allocatable address of this pool (in a range and not a skipped buggy address). */
  contains(value: bigint): boolean {
    if (this.skipsBuggy && isBuggyIPv4(4, value)) return false;
    const rs = this.ranges;
    let lo = 0;
    let hi = rs.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const r = rs[mid];
      if (r === undefined) return false;
      if (value < r.first) hi = mid - 1;
      else if (value > r.last) lo = mid + 1;
      else return true;
    }
    return false;
  }

  /** Lowest free allocatable address, or undefined when the pool (family) is exhausted. */
  lowestFree(): bigint | undefined {
    const idx = this.free.min();
    return idx === undefined ? undefined : this.fromIndex(idx);
  }

  isFree(value: bigint): boolean {
    return this.contains(value) && this.free.has(this.toIndex(value));
  }

  /** Marks an allocatable address as used; false when it is not in the pool or already used. */
  take(value: bigint): boolean {
    if (!this.contains(value)) return false;
    if (!this.free.remove(this.toIndex(value))) return false;
    this.taken++;
    return true;
  }

  /** Returns an address to the free space; false when it is not in the pool or already free. */
  give(value: bigint): boolean {
    if (!this.contains(value)) return false;
    if (!this.free.add(this.toIndex(value))) return false;
    this.taken--;
    return true;
  }

  private toIndex(a: bigint): bigint {
    if (!this.skipsBuggy) return a;
    return (a >> 8n) * 254n + (a & 255n) - 1n;
  }

  private fromIndex(i: bigint): bigint {
    if (!this.skipsBuggy) return i;
    return (i / 254n) * 256n + (i % 254n) + 1n;
  }
}

/** Smallest usable (non .0/.255) address >= a. */
function ceilUsable(a: bigint): bigint {
  const low = a & 255n;
  if (low === 0n) return a + 1n;
  if (low === 255n) return a + 2n;
  return a;
}

/** Largest usable (non .0/.255) address <= a; may be below the range start, which empties it. */
function floorUsable(a: bigint): bigint {
  const low = a & 255n;
  if (low === 255n) return a - 1n;
  if (low === 0n) return a - 2n;
  return a;
}

/** Sorts ranges and merges overlapping or adjacent ones (config validation rejects overlaps; this keeps the allocator safe anyway). */
function mergeRanges(ranges: readonly IpRange[]): AddressRange[] {
  const sorted = ranges.map((r) => ({ first: r.first, last: r.last })).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
  const out: AddressRange[] = [];
  for (const r of sorted) {
    const prev = out[out.length - 1];
    if (prev && r.first <= prev.last + 1n) {
      if (r.last > prev.last) prev.last = r.last;
    } else {
      out.push({ ...r });
    }
  }
  return out;
}
