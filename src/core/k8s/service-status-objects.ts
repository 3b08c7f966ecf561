// Writes MetalLB's per-Service status objects (ServiceL2Status, ServiceBGPStatus) for one node and protocol.
import { createHash } from 'node:crypto';
import type { Logger } from '../log';
import type { ServiceStatusPublisher } from '../plugin-api';
import { serviceKeyString, type ServiceKey } from '../service';
import type { KubeClients } from './kube-clients';
import { apiStatusCode, MERGE_PATCH, withRetry } from './kube-clients';
import { KeyedQueue } from '../keyed-queue';

/** Protocol → the status kind MetalLB uses for it. */
export const STATUS_KINDS: Record<string, { kind: string; plural: string; prefix: string }> = {
  layer2: { kind: 'ServiceL2Status', plural: 'servicel2statuses', prefix: 'l2' },
  bgp: { kind: 'ServiceBGPStatus', plural: 'servicebgpstatuses', prefix: 'bgp' },
};

export const STATUS_LABELS = { node: 'metallb.io/node', serviceName: 'metallb.io/service-name', serviceNamespace: 'metallb.io/service-namespace' };

/** Deterministic name per (node, service): a restart updates the same object instead of leaking one. */
export function statusObjectName(prefix: string, node: string, key: ServiceKey): string {
  const digest = createHash('sha256').update(`${node}/${key.namespace}/${key.name}`).digest('hex').slice(0, 10);
  return `${prefix}-${digest}`;
}

export class KubeServiceStatusObjects implements ServiceStatusPublisher {
  /** Writes per key run one after another, so a delete never overtakes the create it follows. */
  private readonly writes = new KeyedQueue();

  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
    private readonly node: string,
    private readonly protocol: string,
    private readonly log: Logger,
  ) {}

  set(key: ServiceKey, status: Record<string, unknown>): void {
    this.enqueue(key, () => this.write(key, status));
  }

  delete(key: ServiceKey): void {
    this.enqueue(key, () => this.remove(key));
  }

  /** Resolves when every queued write has finished (tests, shutdown). */
  async flush(): Promise<void> {
    await this.writes.drain();
  }

  /**
   * Deletes this node's status objects of this protocol, before anything is announced: a speaker
   * that was killed could not remove them, and the ones still true are written again.
   */
  async removeStale(): Promise<number> {
    const kind = STATUS_KINDS[this.protocol];
    if (!kind) return 0;
    const list = (await this.clients.custom.listNamespacedCustomObject({
      group: 'metallb.io',
      version: 'v1beta1',
      namespace: this.namespace,
      plural: kind.plural,
      labelSelector: `${STATUS_LABELS.node}=${this.node}`,
    })) as { items?: Array<{ metadata?: { name?: string } }> };
    let removed = 0;
    for (const item of list.items ?? []) {
      const name = item.metadata?.name;
      if (!name) continue;
      try {
        await this.clients.custom.deleteNamespacedCustomObject({ group: 'metallb.io', version: 'v1beta1', namespace: this.namespace, plural: kind.plural, name });
        removed++;
      } catch (err) {
        if (apiStatusCode(err) !== 404) throw err;
      }
    }
    return removed;
  }

  private enqueue(key: ServiceKey, job: () => Promise<void>): void {
    const kind = STATUS_KINDS[this.protocol];
    if (!kind) return;
    const k = serviceKeyString(key);
    void this.writes.push(k, job).catch((err: unknown) => {
      this.log.warn({ event: 'statusObjectFailed', service: k, protocol: this.protocol, error: (err as Error).message }, `could not write ${kind.kind}`);
    });
  }

  /** The status kind of this protocol; `enqueue` runs no write for a protocol without one. */
  private statusKind(): { kind: string; plural: string; prefix: string } {
    const kind = STATUS_KINDS[this.protocol];
    if (!kind) throw new Error(`no status kind for protocol ${this.protocol}`);
    return kind;
  }

  private ref(key: ServiceKey): { group: string; version: string; namespace: string; plural: string; name: string } {
    const kind = this.statusKind();
    return { group: 'metallb.io', version: 'v1beta1', namespace: this.namespace, plural: kind.plural, name: statusObjectName(kind.prefix, this.node, key) };
  }

  private async write(key: ServiceKey, fields: Record<string, unknown>): Promise<void> {
    const ref = this.ref(key);
    const labels = { [STATUS_LABELS.node]: this.node, [STATUS_LABELS.serviceName]: key.name, [STATUS_LABELS.serviceNamespace]: key.namespace };
    try {
      await this.clients.custom.getNamespacedCustomObject(ref);
    } catch (err) {
      if (apiStatusCode(err) !== 404) throw err;
      await withRetry(`create ${ref.name}`, () =>
        this.clients.custom.createNamespacedCustomObject({
          ...ref,
          body: { apiVersion: 'metallb.io/v1beta1', kind: this.statusKind().kind, metadata: { name: ref.name, namespace: ref.namespace, labels }, spec: {} },
        }),
        { retryConflict: false },
      ).catch((e: unknown) => {
        if (apiStatusCode(e) !== 409) throw e;
      });
    }
    const status = { node: this.node, serviceName: key.name, serviceNamespace: key.namespace, ...fields };
    await withRetry(`update ${ref.name} status`, () => this.clients.custom.patchNamespacedCustomObjectStatus({ ...ref, body: { status } }, MERGE_PATCH));
  }

  private async remove(key: ServiceKey): Promise<void> {
    try {
      await this.clients.custom.deleteNamespacedCustomObject(this.ref(key));
    } catch (err) {
      if (apiStatusCode(err) !== 404) throw err;
    }
  }
}
