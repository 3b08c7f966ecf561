/**
 * List+watch that caches a compact view per object instead of the object: client-node's informer
 * keeps every full object (~10 KB per Service with managedFields), which dominated the
 * controller's memory. The list is paginated, so a large cluster never sits in memory at once.
 */
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from '../log';
import type { KubeConfig } from './kube-lib';
import { Watch } from './kube-lib';
import { apiStatusCode, firstListWithRetry } from './kube-clients';

export interface ListPage<T> {
  items: T[];
  metadata?: { resourceVersion?: string; _continue?: string };
}

export interface ViewWatchOptions<T extends k8s.KubernetesObject, V> {
  kc: KubeConfig;
  /** Collection path to watch, e.g. /api/v1/services. */
  path: string;
  /** One page of the collection. */
  list(page: { limit: number; _continue?: string }): Promise<ListPage<T>>;
  view(obj: T): V;
  /** Told after the initial list only (the cache answers before that). */
  upsert?(view: V, previous: V | undefined): void;
  remove?(view: V): void;
  log: Logger;
  pageSize?: number;
  /** Only objects with these labels (the `list` passes it too). */
  labelSelector?: string;
  /** Also tell `upsert` about each object of the initial list (a consumer that builds its own state from events). */
  notifyInitial?: boolean;
}

const GONE = 410;

export class ViewWatch<T extends k8s.KubernetesObject, V> {
  private readonly views = new Map<string, V>();
  private resourceVersion?: string;
  private abort?: AbortController;
  private timer?: NodeJS.Timeout;
  private stopped = false;
  private synced = false;
  /** Bumped per watch connection, so a late callback of an old one is ignored. */
  private generation = 0;

  constructor(private readonly opts: ViewWatchOptions<T, V>) {}

  async start(): Promise<void> {
    this.stopped = false;
    await firstListWithRetry(this.opts.path, () => this.relist(), () => this.stopped, this.opts.log);
    this.synced = true;
    await this.watch();
  }

  /** Cached views. */
  items(): V[] {
    return [...this.views.values()];
  }

  get(namespace: string | undefined, name: string): V | undefined {
    return this.views.get(`${namespace ?? ''}/${name}`);
  }

  hasSynced(): boolean {
    return this.synced;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    clearTimeout(this.timer);
    this.abort?.abort();
  }

  /** Lists page by page; after the initial sync, reports what changed while the watch was down. */
  private async relist(): Promise<void> {
    const seen = new Set<string>();
    let cont: string | undefined;
    let rv: string | undefined;
    do {
      const page = await this.opts.list({ limit: this.opts.pageSize ?? 500, _continue: cont });
      for (const obj of page.items) {
        const key = objectKey(obj);
        seen.add(key);
        this.store(key, obj);
      }
      cont = page.metadata?._continue || undefined;
      rv = page.metadata?.resourceVersion;
    } while (cont && !this.stopped);
    for (const [key, view] of this.views) {
      if (seen.has(key)) continue;
      this.views.delete(key);
      if (this.synced) this.opts.remove?.(view);
    }
    this.resourceVersion = rv;
  }

  private store(key: string, obj: T): void {
    const view = this.opts.view(obj);
    const previous = this.views.get(key);
    this.views.set(key, view);
    if (this.synced || this.opts.notifyInitial) this.opts.upsert?.(view, previous);
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.generation;
    const started = Date.now();
    let expired = false;
    const onEvent = (type: string, obj: T & { code?: number }): void => {
      if (gen !== this.generation) return;
      if (type === 'ERROR') {
        expired = obj.code === GONE;
        return;
      }
      const rv = obj.metadata?.resourceVersion;
      if (rv) this.resourceVersion = rv;
      if (type === 'BOOKMARK') return;
      const key = objectKey(obj);
      if (type === 'DELETED') {
        const view = this.views.get(key);
        this.views.delete(key);
        if (view !== undefined) this.opts.remove?.(view);
      } else {
        this.store(key, obj);
      }
    };
    const onDone = (err: unknown): void => {
      if (gen !== this.generation || this.stopped) return;
      const gone = expired || apiStatusCode(err) === GONE || (err as { statusCode?: number } | null)?.statusCode === GONE;
      if (err && !gone) this.opts.log.warn({ event: 'watchError', path: this.opts.path, error: (err as Error)?.message ?? String(err) }, 'watch failed, restarting');
      // A clean end (server timeout) resumes at once, unless the watch ended within a second (no
      // busy loop against a server that closes at once); errors back off; an expired version relists.
      const lived = Date.now() - started;
      this.timer = setTimeout(() => void this.resume(gone), err && !gone ? 1000 : Math.max(0, 1000 - lived));
    };
    this.abort = await new Watch(this.opts.kc).watch(
      this.opts.path,
      { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, ...(this.opts.labelSelector ? { labelSelector: this.opts.labelSelector } : {}) },
      onEvent,
      onDone,
    );
  }

  private async resume(relist: boolean): Promise<void> {
    try {
      if (relist) await this.relist();
      await this.watch();
    } catch (err) {
      if (this.stopped) return;
      this.opts.log.warn({ event: 'watchError', path: this.opts.path, error: (err as Error)?.message }, 'relist failed, retrying');
      this.timer = setTimeout(() => void this.resume(true), 1000);
    }
  }
}

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * Drops what no reconcile reads (managedFields, kubectl's last-applied copy) from a cached object,
 * as client-go informer transforms do.
 */
export function slimObject<T extends k8s.KubernetesObject>(o: T): T {
  const meta = o.metadata;
  if (meta) {
    delete meta.managedFields;
    if (meta.annotations?.[LAST_APPLIED] !== undefined) delete meta.annotations[LAST_APPLIED];
  }
  return o;
}

export interface ObjectHandlers<T> {
  upsert?(obj: T): void;
  remove?(obj: T): void;
}

/** A watch that caches (slimmed) objects themselves and tells the handlers about every object, the initial list included. */
export function objectWatch<T extends k8s.KubernetesObject>(
  kc: KubeConfig,
  path: string,
  list: (page: { limit: number; _continue?: string }) => Promise<ListPage<T>>,
  handlers: ObjectHandlers<T>,
  log: Logger,
  labelSelector?: string,
): ViewWatch<T, T> {
  return new ViewWatch<T, T>({
    kc,
    path,
    list,
    view: slimObject,
    upsert: handlers.upsert && ((o) => handlers.upsert?.(o)),
    remove: handlers.remove && ((o) => handlers.remove?.(o)),
    log,
    labelSelector,
    notifyInitial: true,
  });
}

function objectKey(obj: k8s.KubernetesObject): string {
  return `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
}
