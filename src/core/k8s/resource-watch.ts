// A list+watch cache that restarts itself after errors (client-node informers stop on error).
import type * as k8s from '@kubernetes/client-node';
import { makeInformer } from './kube-lib';
import type { Logger } from '../log';
import { firstListWithRetry } from './kube-clients';

export interface WatchHandlers<T> {
  upsert?(obj: T): void;
  remove?(obj: T): void;
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what no reconcile reads (managedFields, kubectl's last-applied copy) from the object the
 * informer caches — it hands handlers the cached instance — as client-go informer transforms do.
 */
function slim<T extends k8s.KubernetesObject>(o: T): T {
  const meta = o.metadata;
  if (meta) {
    delete meta.managedFields;
    if (meta.annotations?.[LAST_APPLIED] !== undefined) delete meta.annotations[LAST_APPLIED];
  }
  return o;
}

export class ResourceWatch<T extends k8s.KubernetesObject> {
  private informer?: k8s.Informer<T> & k8s.ObjectCache<T>;
  private stopped = false;
  private restartTimer?: NodeJS.Timeout;
  private synced = false;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly path: string,
    private readonly list: k8s.ListPromise<T>,
    private readonly handlers: WatchHandlers<T>,
    private readonly log: Logger,
    private readonly labelSelector?: string,
  ) {}

  async start(): Promise<void> {
    this.stopped = false;
    const informer = makeInformer<T>(this.kc, this.path, this.list, this.labelSelector);
    this.informer = informer;
    informer.on('add', (o) => this.handlers.upsert?.(slim(o)));
    informer.on('update', (o) => this.handlers.upsert?.(slim(o)));
    informer.on('delete', (o) => this.handlers.remove?.(o));
    informer.on('error', (err: unknown) => {
      if (this.stopped) return;
      this.log.warn({ event: 'watchError', path: this.path, error: (err as Error)?.message ?? String(err) }, 'watch failed, restarting');
      this.restartTimer = setTimeout(() => {
        informer.start().catch(() => undefined);
      }, 1000);
    });
    await firstListWithRetry(this.path, () => informer.start(), () => this.stopped, this.log);
    this.synced = true;
  }

  /** Objects currently in the cache. */
  items(): T[] {
    return [...(this.informer?.list() ?? [])];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    await this.informer?.stop();
  }
}
