// Bounded, coalescing delivery: at most one undelivered message per Service, sent in order, retried with backoff.
import type { WebhookMessage } from './message';
import type { PostResult } from './http-post';

export interface DeliveryHooks {
  /** Sends one attempt; `attempt` counts from 1. */
  send(msg: WebhookMessage, attempt: number, signal: AbortSignal): Promise<PostResult>;
  delivered(msg: WebhookMessage, attempts: number): void;
  retrying(msg: WebhookMessage, attempt: number, delayMs: number, error: string): void;
  /** The message is dropped: refused by the receiver (4xx) or out of attempts. */
  failed(msg: WebhookMessage, attempts: number, error: string): void;
}

export interface DeliverySettings {
  capacity: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** `setBalancer` refuses new work when this many Services already wait: memory stays bounded while the receiver is down. */
export class QueueFullError extends Error {
  constructor(capacity: number) {
    super(`webhook delivery queue full (${capacity} Services waiting): the receiver is not keeping up`);
    this.name = 'QueueFullError';
  }
}

export interface DeliveryStats {
  pending: number;
  delivered: number;
  failed: number;
  retries: number;
  /** Undelivered messages replaced by a newer one for the same Service before they got through. */
  superseded: number;
}

/** Exponential backoff with jitter: between half and all of base·2^(attempt-1), capped. */
export function backoffMs(attempt: number, base: number, max: number): number {
  const full = Math.min(max, base * 2 ** Math.min(attempt - 1, 30));
  return Math.round(full / 2 + Math.random() * (full / 2));
}

export class DeliveryQueue {
  /** Insertion order is delivery order; a newer message for a key replaces the waiting one in place. */
  private readonly pending = new Map<string, WebhookMessage>();
  private readonly stats = { delivered: 0, failed: 0, retries: 0, superseded: 0 };
  private readonly abort = new AbortController();
  private running = false;
  private closed = false;
  private idle: Array<() => void> = [];
  private wakeSleep?: () => void;
  /** The last attempt's error, cleared by the next success. */
  lastError?: string;

  constructor(private readonly settings: DeliverySettings, private readonly hooks: DeliveryHooks) {}

  /**
   * Queues the Service's newest message. Throws `QueueFullError` for a new Service beyond the capacity, unless
   * `force` (withdraws: their number is bounded by what was announced, and dropping one would leak state).
   */
  enqueue(key: string, msg: WebhookMessage, force = false): void {
    if (this.closed) throw new Error('webhook delivery is closed (plugin shut down)');
    if (this.pending.has(key)) this.stats.superseded++;
    else if (!force && this.pending.size >= this.settings.capacity) throw new QueueFullError(this.settings.capacity);
    this.pending.set(key, msg);
    if (!this.running) {
      this.running = true;
      void this.loop();
    }
  }

  /** Whether messages wait or one is being sent. */
  get busy(): boolean {
    return this.running;
  }

  snapshot(): DeliveryStats {
    return { pending: this.pending.size, ...this.stats };
  }

  /** Resolves once nothing is waiting or in flight (or the queue is closed). */
  drained(): Promise<void> {
    if (!this.running || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Stops at once: the request in flight is aborted, waiting messages are dropped, timers cleared. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending.clear();
    this.abort.abort();
    this.wakeSleep?.();
    this.settleIdle();
  }

  private settleIdle(): void {
    const waiters = this.idle;
    this.idle = [];
    for (const w of waiters) w();
  }

  private async loop(): Promise<void> {
    try {
      while (!this.closed) {
        const next = this.pending.entries().next();
        if (next.done) break;
        const [key, msg] = next.value;
        this.pending.delete(key);
        await this.deliver(key, msg);
      }
    } finally {
      // No await between the empty check and here: an enqueue cannot slip in unseen.
      this.running = false;
      this.settleIdle();
    }
  }

  private async deliver(key: string, msg: WebhookMessage): Promise<void> {
    const { maxAttempts, retryBaseMs, retryMaxMs } = this.settings;
    for (let attempt = 1; !this.closed; attempt++) {
      let r: PostResult;
      try {
        r = await this.hooks.send(msg, attempt, this.abort.signal);
      } catch (err) {
        r = { ok: false, retryable: true, error: (err as Error).message };
      }
      if (this.closed) return;
      if (r.ok) {
        this.stats.delivered++;
        this.lastError = undefined;
        this.hooks.delivered(msg, attempt);
        return;
      }
      const error = r.error ?? 'failed';
      this.lastError = error;
      if (!r.retryable || (maxAttempts > 0 && attempt >= maxAttempts)) {
        this.stats.failed++;
        this.lastError = r.retryable ? `${error} (gave up after ${attempt} attempts)` : error;
        this.hooks.failed(msg, attempt, this.lastError);
        return;
      }
      // A newer message for this Service waits: it replaces this one, no point retrying the old state.
      if (this.pending.has(key)) return void this.stats.superseded++;
      const delay = backoffMs(attempt, retryBaseMs, retryMaxMs);
      this.stats.retries++;
      this.hooks.retrying(msg, attempt, delay, error);
      await this.sleep(delay);
      if (this.pending.has(key)) return void this.stats.superseded++;
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wakeSleep = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeSleep = done;
    });
  }
}
