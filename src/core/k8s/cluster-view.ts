// Read-only view of Nodes and EndpointSlices for announcement decisions (plugin API ClusterView).
import type * as k8s from '@kubernetes/client-node';
import type { ClusterView, EndpointView, NodeView } from '../plugin-api';
import type { Logger } from '../log';
import { serviceKeyString, type ServiceKey } from '../service';
import type { KubeClients } from './kube-clients';
import { objectWatch, type ListPage, ViewWatch } from './view-watch';

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
const SPEAKER_SELECTOR = 'metallb.io/component-type=speaker';

export function toNodeView(node: k8s.V1Node): NodeView {
  const conditions = node.status?.conditions ?? [];
  return {
    name: node.metadata?.name ?? '',
    labels: { ...(node.metadata?.labels ?? {}) },
    networkUnavailable: conditions.some((c) => c.type === 'NetworkUnavailable' && c.status === 'True'),
    addresses: (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address),
  };
}

export function toEndpointViews(slice: k8s.V1EndpointSlice): EndpointView[] {
  return (slice.endpoints ?? []).map((e) => ({
    addresses: e.addresses ?? [],
    nodeName: e.nodeName ?? undefined,
    // Per the API, nil ready/serving mean "ready"; terminating nil means false.
    ready: e.conditions?.ready ?? true,
    serving: e.conditions?.serving ?? e.conditions?.ready ?? true,
    terminating: e.conditions?.terminating ?? false,
  }));
}

export class KubeClusterView implements ClusterView {
  private readonly nodesByName = new Map<string, NodeView>();
  private readonly slices = new Map<string, k8s.V1EndpointSlice>();
  private readonly listeners = new Set<() => void>();
  private readonly nodeWatch: ViewWatch<k8s.V1Node, k8s.V1Node>;
  private readonly sliceWatch: ViewWatch<k8s.V1EndpointSlice, k8s.V1EndpointSlice>;
  /** node → interfaces its speaker reported (ConfigurationState speaker-NODE), as JSON text to spot real changes. */
  private readonly reported = new Map<string, string>();
  private readonly stateWatch?: ViewWatch<k8s.KubernetesObject, k8s.KubernetesObject>;
  private notifyQueued = false;

  /** With `namespace`, the speakers' reported interfaces are joined into the NodeViews (subnet-aware layer 2). */
  constructor(clients: KubeClients, log: Logger, namespace?: string) {
    this.nodeWatch = objectWatch<k8s.V1Node>(
      clients.kc,
      '/api/v1/nodes',
      (page) => clients.core.listNode(page),
      {
        upsert: (n) => this.setNode(n),
        remove: (n) => {
          this.nodesByName.delete(n.metadata?.name ?? '');
          this.changed();
        },
      },
      log,
    );
    this.sliceWatch = objectWatch<k8s.V1EndpointSlice>(
      clients.kc,
      '/apis/discovery.k8s.io/v1/endpointslices',
      (page) => clients.discovery.listEndpointSliceForAllNamespaces(page),
      {
        upsert: (s) => {
          this.slices.set(sliceKey(s), s);
          this.changed();
        },
        remove: (s) => {
          this.slices.delete(sliceKey(s));
          this.changed();
        },
      },
      log,
    );
    if (namespace) {
      this.stateWatch = objectWatch<k8s.KubernetesObject>(
        clients.kc,
        `/apis/metallb.io/v1beta1/namespaces/${namespace}/configurationstates`,
        (page) => clients.custom.listNamespacedCustomObject({ group: 'metallb.io', version: 'v1beta1', namespace, plural: 'configurationstates', labelSelector: SPEAKER_SELECTOR, ...page }) as Promise<ListPage<k8s.KubernetesObject>>,
        { upsert: (o) => this.setReported(o), remove: (o) => this.setReported(o, true) },
        log,
        SPEAKER_SELECTOR,
      );
    }
  }

  async start(): Promise<void> {
    await Promise.all([this.nodeWatch.start(), this.sliceWatch.start()]);
    // In the background: interfaces refine the election; without the CRD (or RBAC) nodes just carry none.
    void this.stateWatch?.start().catch(() => undefined);
  }

  async stop(): Promise<void> {
    await Promise.all([this.nodeWatch.stop(), this.sliceWatch.stop(), this.stateWatch?.stop()]);
  }

  node(name: string): NodeView | undefined {
    return this.nodesByName.get(name);
  }

  nodes(): NodeView[] {
    return [...this.nodesByName.values()];
  }

  endpoints(key: ServiceKey): EndpointView[] {
    const out: EndpointView[] = [];
    for (const s of this.slices.values()) {
      if (s.metadata?.namespace === key.namespace && s.metadata?.labels?.[SERVICE_NAME_LABEL] === key.name) {
        out.push(...toEndpointViews(s));
      }
    }
    return out;
  }

  onChange(cb: () => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private setNode(n: k8s.V1Node): void {
    const view = toNodeView(n);
    const reported = this.reported.get(view.name);
    if (reported) view.interfaces = JSON.parse(reported) as NodeView['interfaces'];
    this.nodesByName.set(view.name, view);
    this.changed();
  }

  /** A speaker's ConfigurationState changed: only a change of its interfaces matters here. */
  private setReported(o: k8s.KubernetesObject, removed = false): void {
    const node = o.metadata?.labels?.['metallb.io/node-name'];
    if (!node) return;
    const raw = (o as { status?: { interfaces?: unknown } }).status?.interfaces;
    const text = !removed && Array.isArray(raw) ? JSON.stringify(raw) : undefined;
    if (text === this.reported.get(node)) return;
    if (text) this.reported.set(node, text);
    else this.reported.delete(node);
    const view = this.nodesByName.get(node);
    if (view) {
      this.nodesByName.set(node, { ...view, interfaces: text ? (JSON.parse(text) as NodeView['interfaces']) : undefined });
      this.changed();
    }
  }

  /** Coalesces bursts of watch events into one notification. */
  private changed(): void {
    if (this.notifyQueued) return;
    this.notifyQueued = true;
    setImmediate(() => {
      this.notifyQueued = false;
      for (const cb of this.listeners) cb();
    });
  }
}

function sliceKey(s: k8s.V1EndpointSlice): string {
  return serviceKeyString({ namespace: s.metadata?.namespace ?? '', name: s.metadata?.name ?? '' });
}
