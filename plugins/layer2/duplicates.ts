// Duplicate-owner bookkeeping: other MACs claiming an IP we announce, counted, confirmed, windowed and rate-limited for events.
import type { Layer2Metrics } from './metrics';

/** How another host claimed an IP we announce. */
export type ClaimKind = 'arp-request' | 'arp-reply' | 'gratuitous-arp' | 'neighbor-advertisement';

export interface Claim {
  ip: string;
  mac: string;
  interface: string;
  kind: ClaimKind;
}

export interface DuplicateTrackerOptions {
  metrics: Layer2Metrics;
  /** A MAC counts in the gauge for this long after it was last seen (default 60 s). */
  windowMs?: number;
  /** At most one report per (ip, mac, interface) per this interval (default 60 s). */
  reportIntervalMs?: number;
  /**
   * A claim is reported only if we still announce the IP this long after it (default 2 s): during
   * an ownership change the old and new owner briefly overlap, which is no duplicate.
   */
  confirmMs?: number;
  /** A confirmed claim, not rate-limited: report it. */
  onReport?(c: Claim): void;
  now?: () => number;
}

/** What `claimed` needs to know about the IP a claim is about. */
export interface ClaimedIp {
  /** When we started announcing it (the tracker's clock). */
  since: number;
  /** Whether we still announce it on the claim's interface (asked when the confirmation is due). */
  stillOurs(): boolean;
}

export const DUPLICATE_WINDOW_MS = 60_000;
export const DUPLICATE_REPORT_INTERVAL_MS = 60_000;
export const DUPLICATE_CONFIRM_MS = 2000;
/** Right after we take an IP over, the previous owner's in-flight answers are expected, not a duplicate. */
const TAKEOVER_GRACE_MS = 3000;
/** A claim inside that grace counts only if the same MAC claims again at least this much later. */
const TAKEOVER_REPEAT_MS = 1000;

export class DuplicateTracker {
  /** ip → mac → last seen. */
  private readonly seen = new Map<string, Map<string, number>>();
  /** `ip|mac|interface` → last report. */
  private readonly reported = new Map<string, number>();
  private readonly expiry = new Map<string, NodeJS.Timeout>();
  /** `ip|mac|interface` → timer confirming a claim before it is reported. */
  private readonly confirming = new Map<string, NodeJS.Timeout>();
  private readonly windowMs: number;
  private readonly reportIntervalMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: DuplicateTrackerOptions) {
    this.windowMs = opts.windowMs ?? DUPLICATE_WINDOW_MS;
    this.reportIntervalMs = opts.reportIntervalMs ?? DUPLICATE_REPORT_INTERVAL_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Counts one claim (counter and gauge). */
  count(c: Claim): void {
    this.opts.metrics.duplicateOwnerTotal.inc({ ip: c.ip });
    const macs = this.seen.get(c.ip) ?? new Map<string, number>();
    macs.set(c.mac, this.now());
    this.seen.set(c.ip, macs);
    this.refresh(c.ip);
  }

  /** Counts a claim and reports it through `onReport` once confirmed (at once when `confirmMs` is 0). */
  claimed(c: Claim, ip: ClaimedIp): void {
    this.count(c);
    const confirmMs = this.opts.confirmMs ?? DUPLICATE_CONFIRM_MS;
    if (confirmMs <= 0) return this.report(c);
    const key = `${c.ip}|${c.mac}|${c.interface}`;
    if (this.confirming.has(key)) return;
    const first = this.now();
    const duringTakeover = first - ip.since < TAKEOVER_GRACE_MS;
    const t = setTimeout(() => {
      this.confirming.delete(key);
      // Still ours (not withdrawn, not handed over): a second owner, not an ownership change.
      if (!ip.stillOurs()) return;
      // Just after a takeover the old owner may still answer for a moment (a busy node yields late): only a MAC
      // that keeps claiming is a second owner; a later claim outside the grace is confirmed as usual.
      if (duringTakeover && (this.lastSeen(c.ip, c.mac) ?? 0) - first < TAKEOVER_REPEAT_MS) return;
      this.report(c);
    }, confirmMs);
    t.unref();
    this.confirming.set(key, t);
  }

  /** Whether a claim should be reported now (the first for its ip/mac/interface in the interval); records it if so. */
  shouldReport(c: Claim): boolean {
    const t = this.now();
    const key = `${c.ip}|${c.mac}|${c.interface}`;
    const last = this.reported.get(key);
    if (last !== undefined && t - last < this.reportIntervalMs) return false;
    this.reported.set(key, t);
    return true;
  }

  /** When `mac` last claimed `ip` (Date-like ms from the tracker's clock), if ever within the window. */
  lastSeen(ip: string, mac: string): number | undefined {
    return this.seen.get(ip)?.get(mac);
  }

  /** Other MACs seen claiming `ip` within the window. */
  macs(ip: string): string[] {
    const t = this.now();
    return [...(this.seen.get(ip) ?? new Map<string, number>()).entries()].filter(([, at]) => t - at < this.windowMs).map(([m]) => m).sort();
  }

  /** We no longer announce `ip`: its gauge goes and a later claim reports again. */
  forget(ip: string): void {
    this.seen.delete(ip);
    clearTimeout(this.expiry.get(ip));
    this.expiry.delete(ip);
    for (const k of [...this.reported.keys()]) if (k.startsWith(`${ip}|`)) this.reported.delete(k);
    for (const [k, t] of [...this.confirming]) {
      if (k.startsWith(`${ip}|`)) {
        clearTimeout(t);
        this.confirming.delete(k);
      }
    }
    this.opts.metrics.duplicateOwners.remove({ ip });
  }

  stop(): void {
    for (const ip of [...this.seen.keys()]) this.forget(ip);
    for (const t of this.confirming.values()) clearTimeout(t);
    this.confirming.clear();
  }

  private report(c: Claim): void {
    if (this.shouldReport(c)) this.opts.onReport?.(c);
  }

  private refresh(ip: string): void {
    const live = this.macs(ip);
    const macs = this.seen.get(ip);
    if (macs) for (const m of [...macs.keys()]) if (!live.includes(m)) macs.delete(m);
    this.opts.metrics.duplicateOwners.set({ ip }, live.length);
    clearTimeout(this.expiry.get(ip));
    this.expiry.delete(ip);
    if (live.length === 0) return;
    const t = setTimeout(() => this.refresh(ip), this.windowMs + 5);
    t.unref();
    this.expiry.set(ip, t);
  }
}
