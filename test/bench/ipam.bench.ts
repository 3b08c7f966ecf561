// IPAM allocator throughput and memory: big IPv4 pools, a nearly full /16 (against a naive linear scan), and a /64.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Pool } from '../../src/core/config/model';
import { Allocator } from '../../src/core/ipam';
import { parseIp } from '../../src/core/net/ip';
import type { ServiceView } from '../../src/core/service';

const SERVICES = Number(process.env.BENCH_IPAM_SERVICES ?? 100_000);

function cidrPool(name: string, cidr: string, avoidBuggyIPs = false): Pool {
  const [addr, len] = cidr.split('/');
  const ip = parseIp(addr!)!;
  const bits = ip.family === 4 ? 32 : 128;
  const host = (1n << BigInt(bits - Number(len))) - 1n;
  const first = ip.value & ~host;
  return {
    name,
    ranges: [{ family: ip.family, first, last: first | host, text: cidr, prefixLength: Number(len) }],
    autoAssign: true,
    avoidBuggyIPs,
    labels: {},
    protocols: ['layer2'],
    source: { path: name },
  };
}

function service(i: number, family: 'IPv4' | 'IPv6' = 'IPv4'): ServiceView {
  return {
    namespace: `ns${i % 50}`,
    name: `svc-${i}`,
    type: 'LoadBalancer',
    annotations: {},
    labels: {},
    ipFamilies: [family],
    ipFamilyPolicy: 'SingleStack',
    externalTrafficPolicy: 'Cluster',
    selector: { app: `a${i}` },
    ports: [{ port: 80, protocol: 'TCP' }],
    ingressIPs: [],
  };
}

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;
const rate = (n: number, ns: bigint): string => `${Math.round(n / (Number(ns) / 1e9)).toLocaleString('en-US')} allocations/s`;
const perOp = (n: number, ns: bigint): string => `${(Number(ns) / n / 1000).toFixed(2)} µs/allocation`;

// Exact heap figures need a full GC between measurements; expose it without a node flag (npm run bench runs plain node).
setFlagsFromString('--expose-gc');
const fullGc = runInNewContext('gc') as (() => void) | undefined;

function gc(): void {
  fullGc?.();
}

function time(fn: () => void): bigint {
  const t0 = process.hrtime.bigint();
  fn();
  return process.hrtime.bigint() - t0;
}

/** Assigns `count` fresh Services; returns elapsed ns and heap growth. */
function fill(a: Allocator, count: number, family: 'IPv4' | 'IPv6' = 'IPv4', offset = 0): { ns: bigint; heap: number } {
  const services = Array.from({ length: count }, (_, i) => service(offset + i, family));
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const ns = time(() => {
    for (const s of services) {
      const r = a.assign(s);
      if (!r.ok) throw new Error(r.error.message);
    }
  });
  gc();
  const heap = process.memoryUsage().heapUsed - heap0;
  if (services.length !== count) throw new Error('unreachable'); // keeps the Service objects alive through the measurement
  return { ns, heap };
}

/** Deterministic shuffle pick of `k` distinct indices below n. */
function pickIndices(n: number, k: number): number[] {
  let seed = 12345;
  const set = new Set<number>();
  while (set.size < k) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    set.add(seed % n);
  }
  return [...set];
}

/** What a first allocator would do: walk the pool from its first address until an unused one. */
class LinearScanAllocator {
  private readonly used = new Map<bigint, string>();
  private readonly byKey = new Map<string, bigint>();
  constructor(private readonly first: bigint, private readonly last: bigint) {}
  assign(key: string): bigint | undefined {
    for (let ip = this.first; ip <= this.last; ip++) {
      if (!this.used.has(ip)) {
        this.used.set(ip, key);
        this.byKey.set(key, ip);
        return ip;
      }
    }
    return undefined;
  }
  /** Marks an address used without scanning (building the full state must not cost O(n²)). */
  hold(key: string, ip: bigint): void {
    this.used.set(ip, key);
    this.byKey.set(key, ip);
  }
  release(key: string): void {
    const ip = this.byKey.get(key);
    if (ip === undefined) return;
    this.byKey.delete(key);
    this.used.delete(ip);
  }
}

function caseBigPool(): void {
  const a = new Allocator([cidrPool('big', '10.0.0.0/15')]);
  const { ns, heap } = fill(a, SERVICES);
  console.log(
    `${SERVICES.toLocaleString('en-US')} Services into a /15: ${rate(SERVICES, ns)} (${(Number(ns) / 1e6).toFixed(0)} ms), allocator heap +${mb(heap)} (${Math.round(heap / SERVICES)} B/Service)`,
  );
}

/** Fills a /16, frees 0.1% scattered addresses, then times re-allocating them, over several rounds. */
function caseNearlyFull(avoidBuggyIPs: boolean): bigint {
  const pool = cidrPool('full', '10.1.0.0/16', avoidBuggyIPs);
  const a = new Allocator([pool]);
  const size = avoidBuggyIPs ? 256 * 254 : 65536;
  fill(a, size);
  const free = Math.ceil(size * 0.001);
  const victims = pickIndices(size, free).map((i) => service(i));
  const rounds = 200;
  let total = 0n;
  for (let r = 0; r < rounds; r++) {
    for (const v of victims) a.release(v);
    total += time(() => {
      for (const v of victims) {
        const res = a.assign(v);
        if (!res.ok) throw new Error(res.error.message);
      }
    });
  }
  const n = free * rounds;
  const st = a.stats('full')!;
  console.log(
    `/16 99.9% full${avoidBuggyIPs ? ' (avoid-buggy-ips)' : ''}: ${free} free addresses re-allocated ${rounds}x: ${perOp(n, total)} = ${rate(n, total)} (in use ${st.inUse}/${st.total})`,
  );
  return total / BigInt(n);
}

function caseNaiveNearlyFull(): bigint {
  const pool = cidrPool('full', '10.1.0.0/16');
  const naive = new LinearScanAllocator(pool.ranges[0]!.first, pool.ranges[0]!.last);
  const size = 65536;
  for (let i = 0; i < size; i++) naive.hold(`ns/svc-${i}`, pool.ranges[0]!.first + BigInt(i));
  const free = Math.ceil(size * 0.001);
  const victims = pickIndices(size, free).map((i) => `ns/svc-${i}`);
  const rounds = Number(process.env.BENCH_IPAM_NAIVE_ROUNDS ?? 1);
  let total = 0n;
  for (let r = 0; r < rounds; r++) {
    for (const v of victims) naive.release(v);
    total += time(() => {
      for (const v of victims) if (naive.assign(v) === undefined) throw new Error('naive: pool full');
    });
  }
  const n = free * rounds;
  console.log(`naive linear scan, same /16 99.9% full: ${perOp(n, total)} = ${rate(n, total)}`);
  return total / BigInt(n);
}

function caseIPv6(): void {
  const a = new Allocator([cidrPool('v6', 'fd00:1234::/64')]);
  const { ns, heap } = fill(a, SERVICES, 'IPv6');
  const st = a.stats('v6')!;
  console.log(`${SERVICES.toLocaleString('en-US')} Services into a /64: ${rate(SERVICES, ns)}, heap +${mb(heap)} (total ${st.total} addresses)`);
}

export async function run(): Promise<void> {
  if (!fullGc) console.log('(heap figures are approximate: no GC hook)');
  caseBigPool();
  const fast = caseNearlyFull(false);
  caseNearlyFull(true);
  const slow = caseNaiveNearlyFull();
  console.log(`speed-up over the linear scan on the nearly full /16: ${(Number(slow) / Number(fast)).toFixed(0)}x`);
  caseIPv6();
  console.log(`process heap used: ${mb(process.memoryUsage().heapUsed)}, rss ${mb(process.memoryUsage().rss)}`);
}
