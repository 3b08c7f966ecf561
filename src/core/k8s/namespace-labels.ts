// Caches Namespace labels for serviceAllocation.namespaceSelectors.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from '../log';
import type { KubeClients } from './kube-clients';
import { objectWatch, ViewWatch } from './view-watch';

export class KubeNamespaceLabels {
  private readonly labels = new Map<string, Record<string, string>>();
  private readonly watch: ViewWatch<k8s.V1Namespace, k8s.V1Namespace>;

  constructor(clients: KubeClients, log: Logger, onChange: (namespace: string) => void) {
    this.watch = objectWatch<k8s.V1Namespace>(
      clients.kc,
      '/api/v1/namespaces',
      (page) => clients.core.listNamespace(page),
      {
        upsert: (n) => {
          const name = n.metadata?.name ?? '';
          const next = { ...(n.metadata?.labels ?? {}) };
          const prev = this.labels.get(name);
          this.labels.set(name, next);
          if (prev && JSON.stringify(prev) !== JSON.stringify(next)) onChange(name);
        },
        remove: (n) => this.labels.delete(n.metadata?.name ?? ''),
      },
      log,
    );
  }

  start(): Promise<void> {
    return this.watch.start();
  }

  stop(): Promise<void> {
    return this.watch.stop();
  }

  get(namespace: string): Record<string, string> {
    return this.labels.get(namespace) ?? {};
  }
}
