// Jobs with the same key run one after another (a delete never overtakes the write it follows); keys run side by side, up to a limit.
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<void>>();
  private active = 0;
  private pendingJobs = 0;
  private readonly slotWaiters: Array<() => void> = [];
  private readonly drainWaiters: Array<() => void> = [];

  /** `concurrency`: jobs running at once across keys (default unbounded). */
  constructor(private readonly concurrency = Infinity) {}

  /** Queues `job` behind the key's earlier jobs; the promise settles as the job does (a failure does not stop later jobs). */
  push(key: string, job: () => Promise<void>): Promise<void> {
    this.pendingJobs++;
    const run = (this.tails.get(key) ?? Promise.resolve()).then(() => this.inSlot(job));
    const tail = run.catch(() => undefined).finally(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
      this.pendingJobs--;
      this.drainWaiters.shift()?.();
    });
    this.tails.set(key, tail);
    return run;
  }

  /** Jobs queued or running. */
  size(): number {
    return this.pendingJobs;
  }

  /** Resolves once fewer than `n` jobs are queued or running (backpressure for a producer). */
  async below(n: number): Promise<void> {
    while (this.pendingJobs >= n) await new Promise<void>((r) => this.drainWaiters.push(r));
  }

  /** Resolves when every job queued so far, and any queued meanwhile, has finished. */
  async drain(): Promise<void> {
    while (this.tails.size > 0) await Promise.all([...this.tails.values()]);
  }

  private async inSlot(job: () => Promise<void>): Promise<void> {
    if (this.active >= this.concurrency) await new Promise<void>((r) => this.slotWaiters.push(r));
    this.active++;
    try {
      await job();
    } finally {
      this.active--;
      this.slotWaiters.shift()?.();
    }
  }
}
