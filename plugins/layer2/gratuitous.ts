// Schedules MetalLB's gratuitous announcement rounds for a newly owned IP: now, then every 1.1 s until 5 s.

export interface GratuitousTiming {
  intervalMs: number;
  durationMs: number;
}

export const METALLB_GRATUITOUS: GratuitousTiming = { intervalMs: 1100, durationMs: 5000 };

/** Round offsets in ms: 0, 1100, 2200, 3300, 4400 for MetalLB's timing (5 rounds). */
export function roundOffsets(t: GratuitousTiming): number[] {
  const out: number[] = [];
  for (let at = 0; at < t.durationMs && out.length < 1000; at += t.intervalMs) out.push(at);
  return out;
}

/** Per-IP round timers; a new schedule for the same IP restarts it, cancel stops it. */
export class GratuitousScheduler {
  private readonly timers = new Map<string, NodeJS.Timeout[]>();

  constructor(
    private readonly round: (ip: string) => void,
    private readonly timing: GratuitousTiming = METALLB_GRATUITOUS,
  ) {}

  schedule(ip: string): void {
    this.cancel(ip);
    const timers: NodeJS.Timeout[] = [];
    for (const at of roundOffsets(this.timing)) {
      if (at === 0) continue;
      const t = setTimeout(() => this.round(ip), at);
      t.unref();
      timers.push(t);
    }
    const last = setTimeout(() => this.timers.delete(ip), this.timing.durationMs);
    last.unref();
    timers.push(last);
    this.timers.set(ip, timers);
    this.round(ip);
  }

  cancel(ip: string): void {
    for (const t of this.timers.get(ip) ?? []) clearTimeout(t);
    this.timers.delete(ip);
  }

  pending(): string[] {
    return [...this.timers.keys()];
  }

  stop(): void {
    for (const ip of [...this.timers.keys()]) this.cancel(ip);
  }
}
