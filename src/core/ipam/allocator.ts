// The IPAM allocator: MetalLB's allocation semantics over per-pool free-interval trees, pure and synchronous so the controller, `plan` and tests share it.
//
// Usage (controller):
//   const alloc = new Allocator(config.pools, { namespaceLabels: (ns) => nsInformer.labels(ns) });
//   alloc.restore(allServices)           // at start: keeps every still-valid status IP before allocating anything
//   alloc.assign(svc)                     // on every Service add/update (idempotent converge)
//   alloc.release('ns/name')              // on delete, or when the Service stops being managed (see managedBy)
//   const { unassigned } = alloc.setPools(newConfig.pools)  // on config change; then assign() each unassigned Service
//
// assign(svc) order (MetalLB's): the IPs the allocator already holds for the Service, if still valid →
// its status.loadBalancer.ingress IPs, if still valid (restart/restore) → requested IPs
// (metallb.io/loadBalancerIPs or spec.loadBalancerIP; both = error) → the `address-pool` pool
// (autoAssign ignored) → autoAssign pools whose serviceAllocation admits the Service (priority order)
// → other autoAssign pools (config order). Within a pool: the lowest free address of the family, or a
// lower address already shared under the same `allow-shared-ip` key when sharing is compatible.
//
// A contradictory request (both spec.loadBalancerIP and the annotation, bad IP text, families that do
// not fit) is an `InvalidRequest` error and releases what the Service held. Errors are AllocationError
// with a `reason` code and a message meant for the `AllocationFailed` event.
//
// Held IPs stay valid while: one pool contains all of them (avoid-buggy-ips respected), that pool admits
// the Service, it is the `address-pool` pool when one is named, they equal the requested IPs when some
// are requested, their families fit the Service, and sharing with the other holders is still compatible.
import type { Pool } from '../config/model';
import { formatIp, parseIp, type Ip, type IpFamily } from '../net/ip';
import type { ServiceKey, ServiceView } from '../service';
import { serviceKeyString } from '../service';
import { fail, type Result } from './allocation-error';
import { IpUsage } from './ip-usage';
import { autoAssignTiers, poolAdmits, whyNotAdmitted, type NamespaceLabels } from './pool-eligibility';
import { PoolSpace, isBuggyIPv4 } from './pool-space';
import { requestFor, type AllocationRequest } from './service-request';

export interface AllocatorOptions {
  /** Namespace labels, for serviceAllocation.namespaceSelectors. */
  namespaceLabels?: NamespaceLabels;
}

/** How assign() arrived at the Service's IPs. `requested`/`allocated` are new (an `IPAllocated` event). */
export type AssignOutcome = 'kept' | 'restored' | 'requested' | 'allocated';

export interface Assigned {
  /** Canonical address text, primary family first. */
  ips: string[];
  pool: string;
  outcome: AssignOutcome;
  /** IPs the Service held (or had in its status) that were dropped, and why. */
  replaced?: { ips: string[]; reason: string };
}

export interface PoolChange {
  /** Allocations now attributed to a different pool (their IPs did not move). */
  reassigned: Array<{ key: string; from: string; to: string }>;
  /** Allocations no longer valid under the new pools; the Services need assign() again. */
  unassigned: Array<{ key: string; ips: string[]; pool: string; reason: string }>;
}

export interface PoolStats {
  /** Distinct addresses in use (a shared IP counts once). */
  inUse: number;
  /** Allocatable addresses (buggy .0/.255 excluded when avoided). */
  total: bigint;
  available: bigint;
  assignedIPv4: number;
  assignedIPv6: number;
  availableIPv4: bigint;
  availableIPv6: bigint;
}

interface PoolEntry {
  pool: Pool;
  spaces: { 4?: PoolSpace; 6?: PoolSpace };
}

interface Holding {
  req: AllocationRequest;
  ips: Ip[];
  texts: string[];
  pool: string;
}

type Mode = 'current' | 'requested';

const otherFamily = (f: IpFamily): IpFamily => (f === 4 ? 6 : 4);

export class Allocator {
  private order: PoolEntry[] = [];
  private byName = new Map<string, PoolEntry>();
  private readonly holdings = new Map<string, Holding>();
  private readonly usage = new IpUsage();

  constructor(pools: readonly Pool[] = [], private readonly options: AllocatorOptions = {}) {
    this.setPools(pools);
  }

  /** Replaces the pools; existing allocations move to the pool that now contains them or are unassigned. */
  setPools(pools: readonly Pool[]): PoolChange {
    this.order = pools.map((pool) => ({ pool, spaces: spacesOf(pool) }));
    this.byName = new Map(this.order.map((e) => [e.pool.name, e]));
    const change: PoolChange = { reassigned: [], unassigned: [] };
    for (const [key, h] of [...this.holdings]) {
      const check = this.check(h.req, h.ips, 'current');
      if (!check.ok) {
        this.release(key);
        change.unassigned.push({ key, ips: h.texts, pool: h.pool, reason: check.error.message });
        continue;
      }
      const to = check.value.pool.name;
      if (to !== h.pool) change.reassigned.push({ key, from: h.pool, to });
      h.pool = to;
      for (const ip of h.ips) check.value.spaces[ip.family]?.take(ip.value);
    }
    return change;
  }

  /** Converges one Service: keeps valid IPs, otherwise requests or allocates. Idempotent. */
  assign(svc: ServiceView): Result<Assigned> {
    const parsed = requestFor(svc);
    if (!parsed.ok) {
      // A contradictory request clears the Service's IPs: what it holds is not what it asks for.
      this.release(serviceKeyString(svc));
      return parsed;
    }
    const req = parsed.value;
    let replaced: Assigned['replaced'];
    const held = this.holdings.get(req.key);
    if (held) {
      const kept = this.keep(req, held.ips, 'kept');
      if (kept.ok) return kept;
      replaced = { ips: held.texts, reason: kept.error.message };
      this.release(req.key);
    } else if ((svc.ingressIPs ?? []).length > 0) {
      const restored = this.restoreOne(svc, req);
      if (restored.ok) return restored;
      replaced = { ips: svc.ingressIPs, reason: restored.error.message };
    }
    const result = this.allocate(req);
    if (result.ok && replaced) result.value.replaced = replaced;
    return result;
  }

  /**
   * Start-up: every Service keeps its status IPs when still valid, before any new allocation, so a
   * restart never moves an IP; then the rest are assigned in the given order.
   */
  restore(services: readonly ServiceView[]): Map<string, Result<Assigned>> {
    const results = new Map<string, Result<Assigned>>();
    for (const svc of services) {
      if ((svc.ingressIPs ?? []).length === 0 || this.holdings.has(serviceKeyString(svc))) continue;
      const parsed = requestFor(svc);
      if (!parsed.ok) continue;
      const restored = this.restoreOne(svc, parsed.value);
      if (restored.ok) results.set(parsed.value.key, restored);
    }
    for (const svc of services) {
      const key = serviceKeyString(svc);
      if (!results.has(key)) results.set(key, this.assign(svc));
    }
    return results;
  }

  /** Frees the Service's IPs (a shared IP returns to the pool when its last holder leaves). */
  release(key: string | ServiceKey): boolean {
    const k = serviceKeyString(key);
    const h = this.holdings.get(k);
    if (!h) return false;
    this.holdings.delete(k);
    const entry = this.byName.get(h.pool);
    for (const ip of h.ips) {
      if (this.usage.remove(ip, k)) entry?.spaces[ip.family]?.give(ip.value);
    }
    return true;
  }

  ipsOf(key: string | ServiceKey): string[] | undefined {
    return this.holdings.get(serviceKeyString(key))?.texts;
  }

  poolOf(key: string | ServiceKey): string | undefined {
    return this.holdings.get(serviceKeyString(key))?.pool;
  }

  /** Service keys holding an address (several when shared). */
  holdersOf(ip: string): string[] {
    const parsed = parseIp(ip);
    return parsed ? this.usage.holdersOf(parsed) : [];
  }

  /** Every current allocation. */
  *allocations(): IterableIterator<{ key: string; ips: string[]; pool: string }> {
    for (const [key, h] of this.holdings) yield { key, ips: h.texts, pool: h.pool };
  }

  stats(pool: string): PoolStats | undefined {
    const e = this.byName.get(pool);
    if (!e) return undefined;
    const v4 = e.spaces[4];
    const v6 = e.spaces[6];
    const s: PoolStats = {
      inUse: (v4?.inUse ?? 0) + (v6?.inUse ?? 0),
      total: (v4?.total ?? 0n) + (v6?.total ?? 0n),
      available: 0n,
      assignedIPv4: v4?.inUse ?? 0,
      assignedIPv6: v6?.inUse ?? 0,
      availableIPv4: v4?.available ?? 0n,
      availableIPv6: v6?.available ?? 0n,
    };
    s.available = s.availableIPv4 + s.availableIPv6;
    return s;
  }

  poolNames(): string[] {
    return this.order.map((e) => e.pool.name);
  }

  private restoreOne(svc: ServiceView, req: AllocationRequest): Result<Assigned> {
    const ips: Ip[] = [];
    for (const text of svc.ingressIPs) {
      const ip = parseIp(text);
      if (!ip) return fail('InvalidRequest', `status IP "${text}" is not an IP address`);
      ips.push(ip);
    }
    return this.keep(req, ips, 'restored');
  }

  /**
   * Holds `ips` for the request if they are still valid. On a re-assign (not a restore, which only
   * reproduces the status) a PreferDualStack Service holding one auto-allocated IP gains its missing
   * family when the pool has one free.
   */
  private keep(req: AllocationRequest, ips: Ip[], outcome: 'kept' | 'restored'): Result<Assigned> {
    const check = this.check(req, ips, 'current');
    if (!check.ok) return check;
    let all = ips;
    const [only] = ips;
    if (outcome === 'kept' && req.need.kind === 'dual-preferred' && ips.length === 1 && only && !req.requestedIPs) {
      const extra = this.candidate(check.value, otherFamily(only.family), req);
      if (extra) all = [...ips, extra];
    }
    this.release(req.key);
    return { ok: true, value: this.commit(req, check.value, all, outcome) };
  }

  private allocate(req: AllocationRequest): Result<Assigned> {
    if (req.requestedIPs) {
      const check = this.check(req, req.requestedIPs, 'requested');
      if (!check.ok) return check;
      return { ok: true, value: this.commit(req, check.value, req.requestedIPs, 'requested') };
    }
    if (req.requestedPool !== undefined) {
      const entry = this.byName.get(req.requestedPool);
      if (!entry) return fail('UnknownPool', `unknown pool "${req.requestedPool}"`);
      if (!poolAdmits(entry.pool, req, this.options.namespaceLabels)) {
        return fail('PoolNotAllowed', whyNotAdmitted(entry.pool, req, this.options.namespaceLabels));
      }
      const pick = this.pick([entry], req);
      if (!pick) return fail('NoAvailableIPs', `no available IPs in pool "${entry.pool.name}"${this.needText(req)}`);
      return { ok: true, value: this.commit(req, pick.entry, pick.ips, 'allocated') };
    }
    const tiers = autoAssignTiers(
      this.order.map((e) => e.pool),
      req,
      this.options.namespaceLabels,
    );
    for (const tier of tiers) {
      const pick = this.pick(
        tier.map((p) => this.byName.get(p.name) as PoolEntry),
        req,
      );
      if (pick) return { ok: true, value: this.commit(req, pick.entry, pick.ips, 'allocated') };
    }
    const tried = [...tiers[0], ...tiers[1]].map((p) => `"${p.name}"`);
    if (tried.length === 0) return fail('NoAvailableIPs', 'no available IPs: no auto-assign pool admits this service');
    return fail('NoAvailableIPs', `no available IPs in pool${tried.length > 1 ? 's' : ''} ${tried.join(', ')}${this.needText(req)}`);
  }

  private needText(req: AllocationRequest): string {
    const n = req.need;
    if (n.kind === 'single') return n.family === 4 ? '' : ` (IPv6)`;
    return n.kind === 'dual-required' ? ' (RequireDualStack needs IPv4 and IPv6 from one pool)' : ' (PreferDualStack)';
  }

  /** First pool (in the given order) that satisfies the family need; PreferDualStack falls back to one family. */
  private pick(entries: PoolEntry[], req: AllocationRequest): { entry: PoolEntry; ips: Ip[] } | undefined {
    const need = req.need;
    if (need.kind === 'single') {
      for (const entry of entries) {
        const ip = this.candidate(entry, need.family, req);
        if (ip) return { entry, ips: [ip] };
      }
      return undefined;
    }
    let primaryOnly: { entry: PoolEntry; ips: Ip[] } | undefined;
    let secondaryOnly: { entry: PoolEntry; ips: Ip[] } | undefined;
    for (const entry of entries) {
      const a = this.candidate(entry, need.primary, req);
      const b = this.candidate(entry, otherFamily(need.primary), req);
      if (a && b) return { entry, ips: [a, b] };
      if (need.kind === 'dual-preferred') {
        if (a && !primaryOnly) primaryOnly = { entry, ips: [a] };
        if (b && !secondaryOnly) secondaryOnly = { entry, ips: [b] };
      }
    }
    return primaryOnly ?? secondaryOnly;
  }

  /** Lowest usable address of `family` in the pool: the lowest free one, or a lower compatible shared one. */
  private candidate(entry: PoolEntry, family: IpFamily, req: AllocationRequest): Ip | undefined {
    const space = entry.spaces[family];
    if (!space) return undefined;
    let best = space.lowestFree();
    if (req.sharingKey !== '') {
      for (const v of this.usage.withSharingKey(family, req.sharingKey)) {
        if (best !== undefined && v >= best) continue;
        if (!space.contains(v) || this.usage.conflict({ family, value: v }, req)) continue;
        best = v;
      }
    }
    return best === undefined ? undefined : { family, value: best };
  }

  /** Whether `ips` may be held by the request; the pool that contains them when so. */
  private check(req: AllocationRequest, ips: Ip[], mode: Mode): Result<PoolEntry> {
    const what = mode === 'requested' ? 'requested IP' : 'IP';
    const text = (): string => ips.map(ipText).join(',');
    if (ips.length === 0) return fail('InvalidRequest', 'no IPs');
    const entry = this.order.find((e) => ips.every((ip) => e.spaces[ip.family]?.contains(ip.value) === true));
    if (!entry) {
      for (const ip of ips) {
        const inRange = this.order.find((e) => e.spaces[ip.family] && rangeHolds(e.pool, ip));
        if (!inRange) return fail('NotInAnyPool', `${what} ${ipText(ip)} is not in any pool`);
        if (isBuggyIPv4(ip.family, ip.value) && inRange.pool.avoidBuggyIPs && !this.order.some((e) => e.spaces[ip.family]?.contains(ip.value))) {
          return fail('NotInAnyPool', `${what} ${ipText(ip)} ends in .0 or .255 and pool "${inRange.pool.name}" avoids buggy IPs`);
        }
      }
      return fail('PoolMismatch', `${what}s ${text()} are not in the same pool`);
    }
    if (!poolAdmits(entry.pool, req, this.options.namespaceLabels)) {
      return fail('PoolNotAllowed', whyNotAdmitted(entry.pool, req, this.options.namespaceLabels));
    }
    if (req.requestedPool !== undefined && entry.pool.name !== req.requestedPool) {
      return fail('PoolMismatch', `${what}(s) ${text()} are in pool "${entry.pool.name}", not in the requested pool "${req.requestedPool}"`);
    }
    if (mode === 'current') {
      if (req.requestedIPs && !sameIPs(req.requestedIPs, ips)) {
        return fail('InvalidRequest', `IP(s) ${text()} differ from the requested ${req.requestedIPs.map(ipText).join(',')}`);
      }
      if (!familiesFit(req, ips)) return fail('InvalidRequest', `IP(s) ${text()} do not fit the service's IP families`);
    }
    for (const ip of ips) {
      const c = this.usage.conflict(ip, req);
      if (c) return fail('IPInUse', `${what} ${ipText(ip)} is already in use by ${c.holders.join(', ')} (${c.why})`);
    }
    return { ok: true, value: entry };
  }

  private commit(req: AllocationRequest, entry: PoolEntry, ips: Ip[], outcome: AssignOutcome): Assigned {
    for (const ip of ips) {
      if (this.usage.add(ip, req)) entry.spaces[ip.family]?.take(ip.value);
    }
    const texts = ips.map(ipText);
    this.holdings.set(req.key, { req, ips, texts, pool: entry.pool.name });
    return { ips: texts, pool: entry.pool.name, outcome };
  }
}

/** Canonical text of an address; IPv4 formatted directly (the hot path of bulk allocation). */
function ipText(ip: Ip): string {
  if (ip.family !== 4) return formatIp(ip);
  const v = Number(ip.value);
  return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
}

function spacesOf(pool: Pool): PoolEntry['spaces'] {
  const spaces: PoolEntry['spaces'] = {};
  for (const family of [4, 6] as const) {
    if (pool.ranges.some((r) => r.family === family)) spaces[family] = new PoolSpace(family, pool.ranges, pool.avoidBuggyIPs);
  }
  return spaces;
}

function rangeHolds(pool: Pool, ip: Ip): boolean {
  return pool.ranges.some((r) => r.family === ip.family && r.first <= ip.value && ip.value <= r.last);
}

function sameIPs(a: Ip[], b: Ip[]): boolean {
  return a.length === b.length && a.every((x) => b.some((y) => y.family === x.family && y.value === x.value));
}

function familiesFit(req: AllocationRequest, ips: Ip[]): boolean {
  const n = req.need;
  if (ips.length > 2 || (ips.length === 2 && ips[0]?.family === ips[1]?.family)) return false;
  if (n.kind === 'single') return ips.length === 1 && ips[0]?.family === n.family;
  if (n.kind === 'dual-required') return ips.length === 2;
  return true;
}

