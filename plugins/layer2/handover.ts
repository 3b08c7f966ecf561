// Graceful handover bookkeeping: which owned IPs another MAC has taken over, and waiting until all are or a deadline passes.

/** Outcome of a graceful handover: IPs another MAC announced before the deadline, and those nobody took. */
export interface HandoverResult {
  claimed: Record<string, string>;
  unclaimed: string[];
}

export class Handover {
  /** Owned IP → MAC that took it over (undefined until someone does), in the order they were owned. */
  private readonly takenBy: Map<string, string | undefined>;
  private changed?: () => void;

  constructor(ips: Iterable<string>) {
    this.takenBy = new Map([...ips].map((ip) => [ip, undefined]));
  }

  /** Whether `ip` was owned when the handover started. */
  has(ip: string): boolean {
    return this.takenBy.has(ip);
  }

  /** Whether another MAC has taken `ip` over (we no longer answer for it). */
  taken(ip: string): boolean {
    return this.takenBy.get(ip) !== undefined;
  }

  /** Records that `mac` took `ip` over; false when it is not ours to hand over or was already taken. */
  take(ip: string, mac: string): boolean {
    if (!this.takenBy.has(ip) || this.taken(ip)) return false;
    this.takenBy.set(ip, mac);
    this.changed?.();
    return true;
  }

  /** The IPs handed over, in the order they were owned. */
  ips(): string[] {
    return [...this.takenBy.keys()];
  }

  /** Resolves once every IP is taken over or `deadlineMs` passed, with who took what. */
  async settle(deadlineMs: number): Promise<HandoverResult> {
    const allTaken = (): boolean => [...this.takenBy.values()].every((m) => m !== undefined);
    if (!allTaken() && deadlineMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(finish, deadlineMs);
        timer.unref();
        function finish(): void {
          clearTimeout(timer);
          resolve();
        }
        this.changed = () => {
          if (allTaken()) finish();
        };
      });
      this.changed = undefined;
    }
    const claimed: Record<string, string> = {};
    const unclaimed: string[] = [];
    for (const [ip, mac] of this.takenBy) {
      if (mac) claimed[ip] = mac;
      else unclaimed.push(ip);
    }
    return { claimed, unclaimed: unclaimed.sort() };
  }
}
