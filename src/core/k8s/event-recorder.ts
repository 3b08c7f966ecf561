// Records Kubernetes Events on Services (IPAllocated, AllocationFailed, nodeAssigned, announceFailed).
import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import type { KubeClients } from './kube-clients';
import type { Logger } from '../log';
import type { ServiceKey } from '../service';

/** As client-go's broadcaster: events queue up to this many, beyond it new ones are dropped. */
const MAX_QUEUED = 1000;
/** Event writes in flight at once: events share the apiserver with the status writes they follow. */
const IN_FLIGHT = 2;

export class KubeEventRecorder {
  private readonly queue: k8s.CoreV1Event[] = [];
  private inFlight = 0;
  private dropped = 0;

  constructor(
    private readonly clients: KubeClients,
    private readonly component: string,
    private readonly log: Logger,
    private readonly host?: string,
  ) {}

  normal(key: ServiceKey, reason: string, message: string): void {
    this.record(key, 'Normal', reason, message);
  }

  warning(key: ServiceKey, reason: string, message: string): void {
    this.record(key, 'Warning', reason, message);
  }

  /** Resolves when every queued event has been written or given up (tests, shutdown). */
  async flush(): Promise<void> {
    for (let i = 0; i < 10_000 && (this.queue.length > 0 || this.inFlight > 0); i++) await new Promise((r) => setTimeout(r, 10));
  }

  /**
   * Queued, written in the background by a few workers: an event must never block or slow down
   * reconciliation (the status write it follows is what users wait for).
   */
  private record(key: ServiceKey, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (this.queue.length >= MAX_QUEUED) {
      if (this.dropped++ % 1000 === 0) this.log.warn({ event: 'eventDropped', reason, dropped: this.dropped }, 'event queue full, dropping events');
      return;
    }
    const now = new Date();
    // Random suffix: recorders in several processes write events for the same Service at the same instant.
    const name = `${key.name}.${now.getTime().toString(16)}${randomBytes(4).toString('hex')}`;
    this.queue.push({
      metadata: { name, namespace: key.namespace },
      involvedObject: { kind: 'Service', apiVersion: 'v1', namespace: key.namespace, name: key.name },
      type,
      reason,
      message,
      source: { component: this.component, host: this.host },
      reportingComponent: this.component,
      reportingInstance: this.host ?? this.component,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
    if (this.inFlight < IN_FLIGHT) void this.drain();
  }

  private async drain(): Promise<void> {
    this.inFlight++;
    try {
      for (let body = this.queue.shift(); body; body = this.queue.shift()) {
        const path = `/api/v1/namespaces/${encodeURIComponent(body.metadata?.namespace ?? 'default')}/events`;
        await this.clients.raw.send('POST', path, body).catch((err: unknown) => {
          this.log.warn({ event: 'eventRecordFailed', reason: body?.reason, error: (err as Error).message }, 'could not record event');
        });
      }
    } finally {
      this.inFlight--;
    }
  }
}
