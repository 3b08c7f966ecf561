// Who holds each allocated IP (a refcount with the sharing rules), kept apart from pools so a config change never loses track of a holder.
//
// Several Services may hold one IP when they all carry the same non-empty `allow-shared-ip` key,
// the same backend key, and no common (protocol, port). Every holder of an IP therefore has the
// same sharing key, and IPs are indexed by it to find a shareable address without a scan.
import type { Ip, IpFamily } from '../net/ip';
import type { AllocationRequest } from './service-request';

interface IpHolders {
  sharingKey: string;
  backendKey: string;
  /** Service key → its ports on this IP. */
  services: Map<string, string[]>;
  /** `PROTO/port` → service key using it. */
  ports: Map<string, string>;
}

export interface SharingConflict {
  /** Other Services holding the IP. */
  holders: string[];
  why: string;
}

export class IpUsage {
  private readonly holders: Record<IpFamily, Map<bigint, IpHolders>> = { 4: new Map(), 6: new Map() };
  private readonly bySharingKey: Record<IpFamily, Map<string, Set<bigint>>> = { 4: new Map(), 6: new Map() };

  isUsed(ip: Ip): boolean {
    return this.holders[ip.family].has(ip.value);
  }

  /** Service keys holding the IP, sorted. */
  holdersOf(ip: Ip): string[] {
    const h = this.holders[ip.family].get(ip.value);
    return h ? [...h.services.keys()].sort() : [];
  }

  /** Why the request cannot hold `ip` next to its current holders; undefined when it can (or only it holds it). */
  conflict(ip: Ip, req: AllocationRequest): SharingConflict | undefined {
    const h = this.holders[ip.family].get(ip.value);
    if (!h) return undefined;
    const others = [...h.services.keys()].filter((k) => k !== req.key).sort();
    if (others.length === 0) return undefined;
    let why: string | undefined;
    if (h.sharingKey === '') why = 'it does not allow sharing';
    else if (req.sharingKey === '') why = 'this service does not allow sharing';
    else if (h.sharingKey !== req.sharingKey) why = `sharing key "${req.sharingKey}" does not match "${h.sharingKey}"`;
    else if (h.backendKey !== req.backendKey) why = `backend key "${req.backendKey}" does not match "${h.backendKey}"`;
    else {
      for (const p of req.ports) {
        const user = h.ports.get(p);
        if (user !== undefined && user !== req.key) {
          why = `port ${p} is already used by ${user}`;
          break;
        }
      }
    }
    return why === undefined ? undefined : { holders: others, why };
  }

  /** Records the request as a holder of `ip`; true when the IP was unused before. The caller checked `conflict`. */
  add(ip: Ip, req: AllocationRequest): boolean {
    const map = this.holders[ip.family];
    let h = map.get(ip.value);
    const fresh = h === undefined;
    if (!h) {
      h = { sharingKey: req.sharingKey, backendKey: req.backendKey, services: new Map(), ports: new Map() };
      map.set(ip.value, h);
      if (req.sharingKey !== '') this.index(ip.family, req.sharingKey).add(ip.value);
    }
    h.services.set(req.key, req.ports);
    for (const p of req.ports) h.ports.set(p, req.key);
    return fresh;
  }

  /** Drops `key` as a holder of `ip`; true when the IP is now unused. */
  remove(ip: Ip, key: string): boolean {
    const map = this.holders[ip.family];
    const h = map.get(ip.value);
    if (!h) return true;
    const ports = h.services.get(key);
    if (ports === undefined) return false;
    h.services.delete(key);
    for (const p of ports) if (h.ports.get(p) === key) h.ports.delete(p);
    if (h.services.size > 0) return false;
    map.delete(ip.value);
    if (h.sharingKey !== '') {
      const set = this.bySharingKey[ip.family].get(h.sharingKey);
      set?.delete(ip.value);
      if (set && set.size === 0) this.bySharingKey[ip.family].delete(h.sharingKey);
    }
    return true;
  }

  /** IPs of `family` whose holders use `sharingKey` (candidates for sharing). */
  withSharingKey(family: IpFamily, sharingKey: string): ReadonlySet<bigint> {
    return this.bySharingKey[family].get(sharingKey) ?? new Set();
  }

  private index(family: IpFamily, key: string): Set<bigint> {
    let set = this.bySharingKey[family].get(key);
    if (!set) {
      set = new Set();
      this.bySharingKey[family].set(key, set);
    }
    return set;
  }
}
