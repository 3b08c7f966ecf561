// Prints each lab step with the time since the command started and the step's own duration.
import { throwIfAborted } from './shell';

export class Progress {
  private readonly start = Date.now();
  private last = Date.now();

  constructor(private readonly out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)) {}

  private stamp(): string {
    return `[${((Date.now() - this.start) / 1000).toFixed(1).padStart(5)}s]`;
  }

  /** Runs one step and prints `[ 12.3s] message (+1.2s)` when it is done. */
  async step<T>(message: string, fn: () => Promise<T>): Promise<T> {
    throwIfAborted();
    const t0 = Date.now();
    try {
      const v = await fn();
      this.out(`${this.stamp()} ${message} (+${((Date.now() - t0) / 1000).toFixed(1)}s)`);
      return v;
    } catch (err) {
      this.out(`${this.stamp()} FAILED: ${message}`);
      throw err;
    } finally {
      this.last = Date.now();
    }
  }

  /** A line without a step (results, tables); indented under the stamp column. */
  info(text: string): void {
    for (const line of text.replace(/\n+$/, '').split('\n')) this.out(`         ${line}`);
  }

  note(message: string): void {
    this.out(`${this.stamp()} ${message}`);
    this.last = Date.now();
  }

  elapsedMs(): number {
    return Date.now() - this.start;
  }

  sinceLastMs(): number {
    return Date.now() - this.last;
  }
}
