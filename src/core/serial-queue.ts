// Runs async jobs one at a time in arrival order, so watch events never interleave a reconcile.
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  constructor(private readonly onError: (err: unknown) => void) {}

  push(job: () => Promise<void>): Promise<void> {
    this.pending++;
    const run = this.tail.then(job).catch(this.onError).finally(() => {
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
