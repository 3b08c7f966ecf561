// Watches the ConfigMap `config`, the metallb.io CRDs and metallbts.io PluginAdvertisements in one namespace; emits a debounced snapshot.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from '../log';
import type { KubeClients } from './kube-clients';
import { apiStatusCode, withRetry } from './kube-clients';
import { objectWatch, ViewWatch } from './view-watch';

export const CONFIGMAP_NAME = 'config';

/** The kinds that carry configuration, with the group and version we list them at. */
export const CONFIG_CRDS: Array<{ group: string; plural: string; version: string }> = [
  { group: 'metallb.io', plural: 'ipaddresspools', version: 'v1beta1' },
  { group: 'metallb.io', plural: 'l2advertisements', version: 'v1beta1' },
  { group: 'metallb.io', plural: 'bgpadvertisements', version: 'v1beta1' },
  { group: 'metallb.io', plural: 'bgppeers', version: 'v1beta2' },
  { group: 'metallb.io', plural: 'communities', version: 'v1beta1' },
  { group: 'metallb.io', plural: 'bfdprofiles', version: 'v1beta1' },
  // Third-party protocols' advertisements (docs/plugins.md, "Selecting your protocol with CRDs").
  { group: 'metallbts.io', plural: 'pluginadvertisements', version: 'v1alpha1' },
];

export interface ConfigSnapshot {
  configMap?: k8s.V1ConfigMap;
  /** metallb.io and metallbts.io objects (each with apiVersion and kind). */
  objects: k8s.KubernetesObject[];
}

export class KubeConfigSource {
  private configMap?: k8s.V1ConfigMap;
  private readonly crdObjects = new Map<string, Map<string, k8s.KubernetesObject>>();
  private readonly watches: Array<ViewWatch<k8s.KubernetesObject, k8s.KubernetesObject>> = [];
  private timer?: NodeJS.Timeout;
  private started = false;
  private stopped = false;
  /** Plurals whose CRD was not installed at the last look. */
  private readonly missing = new Set<string>();
  private readonly recheckTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
    private readonly onSnapshot: (s: ConfigSnapshot) => void,
    private readonly log: Logger,
    private readonly debounceMs = 100,
    private readonly recheckMs = 30_000,
  ) {}

  async start(): Promise<void> {
    const ns = this.namespace;
    const cmWatch = objectWatch<k8s.V1ConfigMap>(
      this.clients.kc,
      `/api/v1/namespaces/${ns}/configmaps`,
      (page) => this.clients.core.listNamespacedConfigMap({ namespace: ns, ...page }),
      {
        upsert: (cm) => {
          if (cm.metadata?.name !== CONFIGMAP_NAME) return;
          this.configMap = cm;
          this.changed();
        },
        remove: (cm) => {
          if (cm.metadata?.name !== CONFIGMAP_NAME) return;
          this.configMap = undefined;
          this.changed();
        },
      },
      this.log,
    );
    await cmWatch.start();
    this.watches.push(cmWatch as unknown as ViewWatch<k8s.KubernetesObject, k8s.KubernetesObject>);
    for (const crd of CONFIG_CRDS) await this.watchKind(crd);
    this.started = true;
    this.emit();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const t of this.recheckTimers) clearTimeout(t);
    await Promise.all(this.watches.map((w) => w.stop()));
  }

  /**
   * Lists and watches one kind. A kind whose CRD is not installed (404) is looked for again every
   * `recheckMs`, so installing a CRD later (e.g. `crds.enabled` turned on) needs no restart.
   */
  private async watchKind(crd: (typeof CONFIG_CRDS)[number]): Promise<void> {
    const ns = this.namespace;
    const objs = new Map<string, k8s.KubernetesObject>();
    const list = (page?: { limit: number; _continue?: string }): Promise<k8s.KubernetesListObject<k8s.KubernetesObject>> =>
      this.clients.custom.listNamespacedCustomObject({ group: crd.group, version: crd.version, namespace: ns, plural: crd.plural, ...page });
    try {
      await withRetry(`list ${crd.plural}.${crd.group}`, () => list());
    } catch (err) {
      if (apiStatusCode(err) !== 404) throw err;
      if (!this.missing.has(crd.plural)) {
        this.log.info({ event: 'crdMissing', crd: `${crd.plural}.${crd.group}` }, 'CRD not installed; looking for it again periodically');
      }
      this.missing.add(crd.plural);
      this.recheckLater(crd);
      return;
    }
    if (this.stopped) return;
    if (this.missing.delete(crd.plural)) this.log.info({ event: 'crdFound', crd: `${crd.plural}.${crd.group}` }, 'CRD installed; watching it');
    this.crdObjects.set(`${crd.plural}.${crd.group}`, objs);
    const w = objectWatch<k8s.KubernetesObject>(
      this.clients.kc,
      `/apis/${crd.group}/${crd.version}/namespaces/${ns}/${crd.plural}`,
      list,
      {
        upsert: (o) => {
          objs.set(o.metadata?.name ?? '', o);
          this.changed();
        },
        remove: (o) => {
          objs.delete(o.metadata?.name ?? '');
          this.changed();
        },
      },
      this.log,
    );
    await w.start();
    // Stopped while the first list ran: stop() did not see this watch.
    if (this.stopped) await w.stop();
    else this.watches.push(w);
  }

  private recheckLater(crd: (typeof CONFIG_CRDS)[number]): void {
    if (this.stopped) return;
    const t = setTimeout(() => {
      this.recheckTimers.delete(t);
      this.watchKind(crd).catch((err: unknown) => {
        this.log.warn({ event: 'crdRecheckFailed', crd: `${crd.plural}.${crd.group}`, error: (err as Error).message }, 'could not look for the CRD; trying again later');
        this.recheckLater(crd);
      });
    }, this.recheckMs);
    t.unref();
    this.recheckTimers.add(t);
  }

  snapshot(): ConfigSnapshot {
    const objects: k8s.KubernetesObject[] = [];
    for (const m of this.crdObjects.values()) objects.push(...m.values());
    return { configMap: this.configMap, objects };
  }

  private changed(): void {
    if (!this.started) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.emit(), this.debounceMs);
  }

  private emit(): void {
    this.timer = undefined;
    this.onSnapshot(this.snapshot());
  }
}
