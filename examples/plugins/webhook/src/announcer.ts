// One speaker's webhook announcer: turns setBalancer/deleteBalancer into Announce/Withdraw messages, once per change.
import type {
  Announcer,
  Decision,
  PluginConfigView,
  PluginContext,
  PluginStatus,
  ServiceKey,
  ServiceView,
} from 'metallbts/plugin-api';
import { DeliveryQueue } from './delivery-queue';
import { HttpPoster, type PostResult } from './http-post';
import { newMessage, type WebhookMessage } from './message';
import type { WebhookOptions } from './options';

export const USER_AGENT = 'metallbts-plugin-webhook/0.1.0';

/** What this node last told the receiver (or has queued) for one Service. */
interface Announced {
  key: ServiceKey;
  ips: string[];
  pool: string;
  ports: Array<{ port: number; protocol: string }>;
}

const keyString = (k: ServiceKey): string => `${k.namespace}/${k.name}`;

const sameState = (a: Announced, b: Announced): boolean =>
  a.pool === b.pool && a.ips.join(',') === b.ips.join(',')
  && a.ports.map((p) => `${p.protocol}/${p.port}`).join(',') === b.ports.map((p) => `${p.protocol}/${p.port}`).join(',');

export class WebhookAnnouncer implements Announcer {
  private readonly announced = new Map<string, Announced>();
  private readonly poster = new HttpPoster();
  private readonly queue: DeliveryQueue;
  private pools: string[] = [];
  private stopped = false;
  private abortFallback?: NodeJS.Timeout;

  constructor(private readonly ctx: PluginContext, private readonly opts: WebhookOptions) {
    this.queue = new DeliveryQueue(
      { capacity: opts.queueSize, maxAttempts: opts.maxAttempts, retryBaseMs: opts.retryBaseMs, retryMaxMs: opts.retryMaxMs },
      {
        send: (msg, attempt, signal) => this.send(msg, attempt, signal),
        delivered: (msg, attempts) => ctx.logger.info({ event: 'webhookDelivered', kind: msg.kind, service: keyString(msg.service), ip: msg.ips, pool: msg.pool, attempts },
          `receiver accepted ${msg.kind}`),
        retrying: (msg, attempt, delayMs, error) => ctx.logger.warn({ event: 'webhookRetry', kind: msg.kind, service: keyString(msg.service), attempt, delayMs, error },
          `POST failed, retrying in ${delayMs} ms`),
        failed: (msg, attempts, error) => {
          ctx.logger.error({ event: 'webhookFailed', kind: msg.kind, service: keyString(msg.service), ip: msg.ips, pool: msg.pool, attempts, error },
            `receiver did not take ${msg.kind}; dropped`);
          ctx.events.warning(msg.service, 'WebhookFailed', `${msg.kind} from node ${ctx.nodeName} not delivered to ${this.target()}: ${error}`);
        },
      },
    );
    // The speaker aborts the signal, then calls shutdown() (which withdraws): close only if shutdown never comes.
    ctx.signal.addEventListener('abort', () => {
      if (this.stopped) return;
      this.abortFallback = setTimeout(() => this.close(), opts.shutdownTimeoutMs + 1000);
      this.abortFallback.unref();
    }, { once: true });
  }

  /** The receiver, as safe to log (no query string: it may carry an API key). */
  private target(): string {
    return `${this.opts.url.origin}${this.opts.url.pathname}`;
  }

  async setConfig(cfg: PluginConfigView): Promise<void> {
    this.pools = cfg.pools.map((p) => p.name);
  }

  shouldAnnounce(svc: ServiceView): Decision {
    if (this.ctx.cluster.node(this.ctx.nodeName)?.networkUnavailable) {
      return { announce: false, reason: 'node NetworkUnavailable' };
    }
    // As MetalLB's BGP mode: with Local traffic policy only nodes running a ready endpoint may receive traffic.
    if (svc.externalTrafficPolicy === 'Local'
      && !this.ctx.cluster.endpoints(svc).some((e) => e.nodeName === this.ctx.nodeName && e.ready)) {
      return { announce: false, reason: 'externalTrafficPolicy Local and no ready endpoint on this node' };
    }
    return { announce: true, reason: 'every node reports itself to the webhook' };
  }

  async setBalancer(key: ServiceKey, ips: string[], pool: string, svc: ServiceView): Promise<void> {
    if (this.stopped) return;
    const next: Announced = {
      key: { namespace: key.namespace, name: key.name },
      ips: [...ips].sort(),
      pool,
      ports: svc.ports.map((p) => ({ port: p.port, protocol: p.protocol })),
    };
    const k = keyString(key);
    const prev = this.announced.get(k);
    if (prev && sameState(prev, next)) return; // idempotent: nothing new for the receiver
    this.queue.enqueue(k, this.message('Announce', next)); // throws QueueFullError: the speaker retries later
    this.announced.set(k, next);
  }

  async deleteBalancer(key: ServiceKey): Promise<void> {
    if (this.stopped) return;
    const k = keyString(key);
    const prev = this.announced.get(k);
    if (!prev) return;
    this.queue.enqueue(k, this.message('Withdraw', { ...prev, ports: [] }), true);
    this.announced.delete(k);
  }

  status(): PluginStatus {
    const s = this.queue.snapshot();
    // `busy`: a message is waiting or being sent (false once the receiver has everything).
    const details = { url: this.target(), node: this.ctx.nodeName, pools: this.pools, announced: this.announced.size, busy: this.queue.busy, ...s };
    if (this.queue.lastError !== undefined) {
      return { healthy: false, message: `POST ${this.target()} failing: ${this.queue.lastError}`, details };
    }
    return { healthy: true, details };
  }

  async shutdown(): Promise<void> {
    clearTimeout(this.abortFallback);
    if (this.stopped) return;
    this.stopped = true;
    if (this.opts.withdrawOnShutdown) {
      for (const [k, a] of this.announced) this.queue.enqueue(k, this.message('Withdraw', { ...a, ports: [] }), true);
    }
    this.announced.clear();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.queue.drained(),
      new Promise<void>((resolve) => { timer = setTimeout(resolve, this.opts.shutdownTimeoutMs); }),
    ]);
    clearTimeout(timer);
    this.close();
  }

  private close(): void {
    clearTimeout(this.abortFallback);
    this.stopped = true;
    this.queue.close();
    this.poster.close();
  }

  private message(kind: WebhookMessage['kind'], a: Announced): WebhookMessage {
    return newMessage({
      kind,
      node: this.ctx.nodeName,
      nodeAddresses: this.ctx.cluster.node(this.ctx.nodeName)?.addresses ?? [],
      service: a.key,
      ips: a.ips,
      pool: a.pool,
      ports: a.ports,
    });
  }

  private async send(msg: WebhookMessage, attempt: number, signal: AbortSignal): Promise<PostResult> {
    const headers: Record<string, string> = {
      ...this.opts.headers,
      'user-agent': USER_AGENT,
      'idempotency-key': msg.id,
      'x-metallbts-node': this.ctx.nodeName,
      'x-metallbts-attempt': String(attempt),
    };
    const secret = (ref: { name: string; key: string }): string | undefined => this.ctx.secret(ref.name, ref.key)?.trim() || undefined;
    const unreadable = (ref: { name: string; key: string }): PostResult => ({
      ok: false, retryable: true,
      error: `Secret ${ref.name} (key ${ref.key}) is not readable by the speaker: list it in speaker.plugins[].secrets`,
    });
    if (this.opts.tokenSecret) {
      const token = secret(this.opts.tokenSecret);
      if (!token) return unreadable(this.opts.tokenSecret);
      headers.authorization = `Bearer ${token}`;
    }
    let ca: string | undefined;
    if (this.opts.caSecret) {
      ca = secret(this.opts.caSecret);
      if (!ca) return unreadable(this.opts.caSecret);
    }
    return this.poster.post({ url: this.opts.url, body: JSON.stringify(msg), headers, timeoutMs: this.opts.timeoutMs, ca, signal });
  }
}
