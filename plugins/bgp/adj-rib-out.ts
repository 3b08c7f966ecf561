// What we want the peer to hold vs what it was told, so each change becomes one small UPDATE.
import { canonicalPrefix, prefixFamily, type Family, type LargeCommunity } from './codec';

/** The per-route attributes a speaker chooses (ORIGIN, AS_PATH and NEXT_HOP come from the session). */
export interface RouteAttributes {
  localPref?: number;
  med?: number;
  /** Standard communities as u32 ((asn << 16) | value). */
  communities?: number[];
  largeCommunities?: LargeCommunity[];
}

/** A canonical string for an attribute set: routes with equal keys share one UPDATE. */
export function attributesKey(a: RouteAttributes): string {
  const comm = [...new Set((a.communities ?? []).map((c) => c >>> 0))].sort((x, y) => x - y);
  const large = [...new Map((a.largeCommunities ?? []).map((c) => [`${c.global}:${c.local1}:${c.local2}`, c])).keys()].sort();
  return JSON.stringify([a.localPref ?? null, a.med ?? null, comm, large]);
}

export function normalizeAttributes(a: RouteAttributes): RouteAttributes {
  const out: RouteAttributes = {};
  if (a.localPref !== undefined) out.localPref = a.localPref;
  if (a.med !== undefined) out.med = a.med;
  const comm = [...new Set((a.communities ?? []).map((c) => c >>> 0))].sort((x, y) => x - y);
  if (comm.length) out.communities = comm;
  const large = [...new Map((a.largeCommunities ?? []).map((c) => [`${c.global}:${c.local1}:${c.local2}`, c])).entries()]
    .sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0))
    .map(([, c]) => c);
  if (large.length) out.largeCommunities = large;
  return out;
}

export interface AnnounceGroup {
  attributes: RouteAttributes;
  family: Family;
  prefixes: string[];
}

export interface RibChanges {
  announce: AnnounceGroup[];
  withdraw: string[];
}

export class AdjRibOut {
  private readonly desired = new Map<string, { key: string; attrs: RouteAttributes }>();
  /** prefix → attributes key the peer was last sent. */
  private readonly advertised = new Map<string, string>();
  private readonly dirty = new Set<string>();

  /** Adds or replaces a route; returns the canonical prefix. */
  set(prefix: string, attrs: RouteAttributes = {}): string {
    const p = canonicalPrefix(prefix);
    const norm = normalizeAttributes(attrs);
    const key = attributesKey(norm);
    if (this.desired.get(p)?.key === key) return p;
    this.desired.set(p, { key, attrs: norm });
    this.markDirty(p);
    return p;
  }

  delete(prefix: string): boolean {
    const p = canonicalPrefix(prefix);
    const had = this.desired.delete(p);
    if (had || this.advertised.has(p)) this.markDirty(p);
    return had;
  }

  private markDirty(p: string): void {
    const want = this.desired.get(p)?.key;
    if (want === this.advertised.get(p)) this.dirty.delete(p);
    else this.dirty.add(p);
  }

  has(prefix: string): boolean {
    return this.desired.has(canonicalPrefix(prefix));
  }

  prefixes(): string[] {
    return [...this.desired.keys()];
  }

  get size(): number {
    return this.desired.size;
  }

  /** Routes the peer holds (as far as we know). */
  get advertisedCount(): number {
    return this.advertised.size;
  }

  /** Changes not yet sent, optionally only among `families` the session can carry. */
  pendingCount(families?: ReadonlySet<Family>): number {
    if (!families) return this.dirty.size;
    let n = 0;
    for (const p of this.dirty) if (families.has(prefixFamily(p))) n++;
    return n;
  }

  /** Takes the outstanding changes for `families`, marking them as advertised. */
  takeChanges(families: ReadonlySet<Family>): RibChanges {
    const groups = new Map<string, AnnounceGroup>();
    const withdraw: string[] = [];
    for (const p of [...this.dirty]) {
      const family = prefixFamily(p);
      if (!families.has(family)) continue;
      this.dirty.delete(p);
      const d = this.desired.get(p);
      if (!d) {
        if (this.advertised.delete(p)) withdraw.push(p);
        continue;
      }
      this.advertised.set(p, d.key);
      const gk = `${family}|${d.key}`;
      let g = groups.get(gk);
      if (!g) groups.set(gk, (g = { attributes: d.attrs, family, prefixes: [] }));
      g.prefixes.push(p);
    }
    return { announce: [...groups.values()], withdraw };
  }

  /** The whole table for `families` as announce groups (initial advertisement, route refresh). */
  snapshot(families: ReadonlySet<Family>): AnnounceGroup[] {
    for (const p of [...this.dirty]) if (families.has(prefixFamily(p)) && !this.desired.has(p)) this.advertised.delete(p);
    const groups = new Map<string, AnnounceGroup>();
    for (const [p, d] of this.desired) {
      const family = prefixFamily(p);
      if (!families.has(family)) continue;
      this.dirty.delete(p);
      this.advertised.set(p, d.key);
      const gk = `${family}|${d.key}`;
      let g = groups.get(gk);
      if (!g) groups.set(gk, (g = { attributes: d.attrs, family, prefixes: [] }));
      g.prefixes.push(p);
    }
    for (const p of [...this.dirty]) if (families.has(prefixFamily(p))) this.dirty.delete(p);
    return [...groups.values()];
  }

  /** The session went down: the peer holds nothing; everything desired is pending again. */
  reset(): void {
    this.advertised.clear();
    this.dirty.clear();
    for (const p of this.desired.keys()) this.dirty.add(p);
  }
}
