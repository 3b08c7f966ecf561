// Writes IPAddressPool status counters (assigned/available IPv4/IPv6, as MetalLB does), coalesced per pool.
import type { Logger } from '../log';
import type { PoolCounters, PoolStatusSink } from '../ports';
import type { KubeClients } from './kube-clients';
import { apiStatusCode, MERGE_PATCH, withRetry } from './kube-clients';

/** Counters change on every allocation; one write per pool per interval is enough for `kubectl get`. */
const DEFAULT_DELAY_MS = 500;

export class KubePoolStatusWriter implements PoolStatusSink {
  private readonly wanted = new Map<string, PoolCounters>();
  private readonly written = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
    private readonly log: Logger,
    private readonly delayMs = DEFAULT_DELAY_MS,
  ) {}

  update(pool: string, counters: PoolCounters): void {
    if (this.stopped) return;
    this.wanted.set(pool, counters);
    if (this.written.get(pool) === JSON.stringify(counters)) return;
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.delayMs);
  }

  /** Writes every pending change now; resolves when done (tests, shutdown). */
  async flush(): Promise<void> {
    // One write pass at a time, so an older pass never lands after a newer one.
    this.running = this.running.then(() => this.writeChanged());
    await this.running;
  }

  /** Flushes and stops scheduling writes. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  private async writeChanged(): Promise<void> {
    let failed = false;
    for (const [pool, counters] of [...this.wanted]) {
      const json = JSON.stringify(counters);
      if (this.written.get(pool) === json) continue;
      try {
        await withRetry(`update IPAddressPool ${pool} status`, () =>
          this.clients.custom.patchNamespacedCustomObjectStatus(
            { group: 'metallb.io', version: 'v1beta1', namespace: this.namespace, plural: 'ipaddresspools', name: pool, body: { status: counters } },
            MERGE_PATCH,
          ),
        );
        this.written.set(pool, json);
      } catch (err) {
        // 404: the pool object went away after the config was read; the next config drops it.
        if (apiStatusCode(err) === 404) this.written.set(pool, json);
        else {
          failed = true;
          this.log.warn({ event: 'poolStatusFailed', pool, error: (err as Error).message }, 'could not write IPAddressPool status');
        }
      }
    }
    // Retried later even if no allocation changes meanwhile.
    if (failed && !this.stopped) {
      this.timer ??= setTimeout(() => {
        this.timer = undefined;
        void this.flush();
      }, this.delayMs * 10);
    }
  }
}
