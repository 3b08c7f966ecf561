// Lifeguard suspicion timer: starts at max, shrinks towards min with each independent confirmation.
// A timer that fires late means this process was not running (CPU starvation, a stall): the time
// lost is given back to the accused (up to `min` more), so it is not declared dead unheard.

/** A timer later than this means we were stalled. */
export const STALL_MS = 50;

/** Go's suspicionTimeout: mult × max(1, log10(max(1, n))) × interval, in ms. */
export function suspicionTimeout(mult: number, n: number, intervalMs: number): number {
  const nodeScale = Math.max(1, Math.log10(Math.max(1, n)));
  return Math.floor(mult * nodeScale * intervalMs);
}

/** Remaining time after `n` of `k` confirmations, `elapsed` ms since the start. */
export function remainingSuspicionTime(n: number, k: number, elapsed: number, min: number, max: number): number {
  const frac = Math.log(n + 1) / Math.log(k + 1);
  const raw = max - frac * (max - min);
  const timeout = Math.max(Math.floor(raw), min);
  return timeout - elapsed;
}

export class Suspicion {
  private n = 0;
  private readonly confirmations = new Set<string>();
  private readonly start = Date.now();
  private timer: NodeJS.Timeout | undefined;
  private fired = false;
  private due = 0;
  /** Stall extensions left (at most `min` in total). */
  private graceLeft: number;

  constructor(
    from: string,
    private readonly k: number,
    private readonly min: number,
    private readonly max: number,
    private readonly onTimeout: (confirmations: number) => void,
  ) {
    this.confirmations.add(from);
    this.graceLeft = min;
    this.arm(k < 1 ? min : max);
  }

  private arm(ms: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.due = Date.now() + Math.max(0, ms);
    // Fire after one I/O poll, so a refutation already received is processed first.
    this.timer = setTimeout(() => setImmediate(() => this.fire()), Math.max(0, ms));
    this.timer.unref?.();
  }

  private fire(): void {
    if (this.fired) return;
    // Stalled: extend by the time lost (at most `min` in total), so the accused can still refute.
    const late = Date.now() - this.due;
    if (late > STALL_MS && this.graceLeft > 0) {
      const extra = Math.min(late, this.graceLeft);
      this.graceLeft -= extra;
      return this.arm(extra);
    }
    this.fired = true;
    this.timer = undefined;
    this.onTimeout(this.n);
  }

  /** Records a confirmation from a new peer; true when it counted (then re-gossip the suspicion). */
  confirm(from: string): boolean {
    if (this.fired || this.n >= this.k || this.confirmations.has(from)) return false;
    this.confirmations.add(from);
    this.n++;
    const remaining = remainingSuspicionTime(this.n, this.k, Date.now() - this.start, this.min, this.max);
    if (remaining > 0) this.arm(remaining);
    else {
      if (this.timer) clearTimeout(this.timer);
      this.due = Date.now();
      setImmediate(() => this.fire());
    }
    return true;
  }

  cancel(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.fired = true;
  }
}
