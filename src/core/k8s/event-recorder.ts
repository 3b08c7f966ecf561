// Records Kubernetes Events on Services (IPAllocated, AllocationFailed, nodeAssigned, announceFailed).
import { randomBytes } from 'node:crypto';
import type { KubeClients } from './kube-clients';
import type { Logger } from '../log';
import type { ServiceKey } from '../service';

export class KubeEventRecorder {
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

  /** Fire-and-forget: an event that cannot be written must never block reconciliation. */
  private record(key: ServiceKey, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const now = new Date();
    // Random suffix: recorders in several processes write events for the same Service at the same instant.
    const name = `${key.name}.${now.getTime().toString(16)}${randomBytes(4).toString('hex')}`;
    this.clients.core
      .createNamespacedEvent({
        namespace: key.namespace,
        body: {
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
        },
      })
      .catch((err: unknown) => {
        this.log.warn({ event: 'eventRecordFailed', reason, error: (err as Error).message }, 'could not record event');
      });
  }
}
