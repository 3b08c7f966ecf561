// Who holds each allocated IP (a refcount with the sharing rules), kept apart from pools so a config change never loses track of a holder.
//
// Several Services may hold one IP when they all carry the same non-empty `allow-shared-ip` key,
// the same backend key, and no common (protocol, port). Every holder of an IP therefore has the
// same sharing key, and IPs are indexed by it to find a shareable address without a scan. Holders
// are a small array (an IP rarely has more than a few), which keeps 100k single-holder IPs cheap.
import type { Ip, IpFamily } from '../net/ip';
import type { AllocationRequest } from './service-request';

interface Holder {
  key: string;
  /** `PROTO/port` this holder uses on the IP. */
  ports: string[];
}

interface IpHolders {
  sharingKey: string;
  backendKey: string;
  holders: Holder[];
}

export interface SharingConflict {
  /** Other Services holding the IP. */
  holders: string[];
  why: string;
}

export class IpUsage {
  private readonly byIp: Record<IpFamily, Map<bigint, IpHolders>> = { 4: new Map(), 6: new Map() };
  private readonly bySharingKey: Record<IpFamily, Map<string, Set<bigint>>> = { 4: new Map(), 6: new Map() };

  isUsed(ip: Ip): boolean {
    return this.byIp[ip.family].has(ip.value);
  }

  /** Service keys holding the IP, sorted. */
  holdersOf(ip: Ip): string[] {
    const h = this.byIp[ip.family].get(ip.value);
    return h ? h.holders.map((x) => x.key).sort() : [];
  }

  /** Why the request cannot hold `ip` next to its current holders; undefined when it can (or only it holds it). */
  conflict(ip: Ip, req: AllocationRequest): SharingConflict | undefined {
    const h = this.byIp[ip.family].get(ip.value);
    if (!h) return undefined;
    const others = h.holders.filter((x) => x.key !== req.key);
    if (others.length === 0) return undefined;
    let why: string | undefined;
    if (h.sharingKey === '') why = 'it does not allow sharing';
    else if (req.sharingKey === '') why = 'this service does not allow sharing';
    else if (h.sharingKey !== req.sharingKey) why = `sharing key "${req.sharingKey}" does not match "${h.sharingKey}"`;
    else if (h.backendKey !== req.backendKey) why = `backend key "${req.backendKey}" does not match "${h.backendKey}"`;
    else {
      search: for (const p of req.ports) {
        for (const o of others) {
          if (o.ports.includes(p)) {
            why = `port ${p} is already used by ${o.key}`;
            break search;
          }
        }
      }
    }
    return why === undefined ? undefined : { holders: others.map((x) => x.key).sort(), why };
  }

  /** Records the request as a holder of `ip` (replacing an earlier entry of the same Service); true when the IP was unused before. The caller checked `conflict`. */
  add(ip: Ip, req: AllocationRequest): boolean {
    const map = this.byIp[ip.family];
    const h = map.get(ip.value);
    if (!h) {
      map.set(ip.value, { sharingKey: req.sharingKey, backendKey: req.backendKey, holders: [{ key: req.key, ports: req.ports }] });
      if (req.sharingKey !== '') this.index(ip.family, req.sharingKey).add(ip.value);
      return true;
    }
    const i = h.holders.findIndex((x) => x.key === req.key);
    if (i >= 0) h.holders.splice(i, 1);
    h.holders.push({ key: req.key, ports: req.ports });
    return false;
  }

  /** Drops `key` as a holder of `ip`; true when the IP is now unused. */
  remove(ip: Ip, key: string): boolean {
    const map = this.byIp[ip.family];
    const h = map.get(ip.value);
    if (!h) return true;
    const i = h.holders.findIndex((x) => x.key === key);
    if (i < 0) return false;
    h.holders.splice(i, 1);
    if (h.holders.length > 0) return false;
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
    return this.bySharingKey[family].get(sharingKey) ?? EMPTY;
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

const EMPTY: ReadonlySet<bigint> = new Set();
