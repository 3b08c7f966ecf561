// Runs async jobs one at a time in arrival order, so watch events never interleave a reconcile.
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private observer?: (ok: boolean) => void;

  constructor(
    private readonly onError: (err: unknown) => void,
    /** Told when one job has run for `slowMs` (every later event waits behind it). */
    private readonly onSlow?: (label: string, ms: number) => void,
    private readonly slowMs = 10_000,
  ) {}

  /** Told after each job whether it succeeded (metallb_k8s_client_updates_total / update_errors_total). */
  observe(cb: (ok: boolean) => void): void {
    this.observer = cb;
  }

  push(job: () => Promise<void>, label = 'job'): Promise<void> {
    this.pending++;
    const timed = async (): Promise<void> => {
      const started = Date.now();
      const timer = this.onSlow ? setTimeout(() => this.onSlow?.(label, Date.now() - started), this.slowMs) : undefined;
      timer?.unref();
      let ok = false;
      try {
        await job();
        ok = true;
      } finally {
        this.observer?.(ok);
        clearTimeout(timer);
      }
    };
    const run = this.tail.then(timed).catch(this.onError).finally(() => {
      this.pending--;
    });
    this.tail = run;
    return run;
  }

  /** Jobs queued or running. */
  size(): number {
    return this.pending;
  }

  /** Resolves when everything queued so far has run. */
  drain(): Promise<void> {
    return this.tail;
  }
}
