// ViewWatch bookkeeping with a scripted list and watch: paging, event handling, relist after 410 Gone.
import type * as k8s from '@kubernetes/client-node';
import { silentLogger } from '../../../src/core/log';

type OnEvent = (type: string, obj: unknown) => void;
type OnDone = (err: unknown) => void;
const watches: Array<{ path: string; params: Record<string, unknown>; onEvent: OnEvent; onDone: OnDone; aborted: boolean }> = [];

jest.mock('../../../src/core/k8s/kube-lib', () => ({
  ...jest.requireActual('../../../src/core/k8s/kube-lib'),
  Watch: class {
    async watch(path: string, params: Record<string, unknown>, onEvent: OnEvent, onDone: OnDone): Promise<AbortController> {
      const entry = { path, params, onEvent, onDone, aborted: false };
      watches.push(entry);
      const ac = new AbortController();
      ac.signal.addEventListener('abort', () => (entry.aborted = true));
      return ac;
    }
  },
}));

// Imported after the mock is declared (jest hoists jest.mock above imports).
import { objectWatch, ViewWatch, type ListPage } from '../../../src/core/k8s/view-watch';
import type { KubeConfig } from '../../../src/core/k8s/kube-lib';

function svc(name: string, rv: string, label = ''): k8s.V1Service {
  return { metadata: { name, namespace: 'ns', resourceVersion: rv, labels: { rev: label } } };
}

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 5));

function setup(pages: () => Array<ListPage<k8s.V1Service>>): {
  watch: ViewWatch<k8s.V1Service, string>;
  seen: string[];
  listCalls: Array<{ limit: number; _continue?: string }>;
} {
  const seen: string[] = [];
  const listCalls: Array<{ limit: number; _continue?: string }> = [];
  const watch = new ViewWatch<k8s.V1Service, string>({
    kc: {} as KubeConfig,
    path: '/api/v1/services',
    list: async (page) => {
      listCalls.push(page);
      const all = pages();
      const i = page._continue ? Number(page._continue) : 0;
      return all[i]!;
    },
    view: (s) => `${s.metadata?.name}:${s.metadata?.labels?.rev ?? ''}`,
    upsert: (v, prev) => seen.push(`upsert ${v} (was ${prev ?? 'none'})`),
    remove: (v) => seen.push(`remove ${v}`),
    log: silentLogger(),
    pageSize: 2,
  });
  return { watch, seen, listCalls };
}

beforeEach(() => {
  watches.length = 0;
});

describe('ViewWatch', () => {
  it('lists page by page, caches views only, and watches from the list resourceVersion', async () => {
    const { watch, seen, listCalls } = setup(() => [
      { items: [svc('a', '1'), svc('b', '2')], metadata: { resourceVersion: '10', _continue: '1' } },
      { items: [svc('c', '3')], metadata: { resourceVersion: '10' } },
    ]);
    await watch.start();
    expect(listCalls).toEqual([{ limit: 2, _continue: undefined }, { limit: 2, _continue: '1' }]);
    expect(watch.items().sort()).toEqual(['a:', 'b:', 'c:']);
    expect(seen).toEqual([]);
    expect(watches).toHaveLength(1);
    expect(watches[0]!.params).toMatchObject({ resourceVersion: '10', allowWatchBookmarks: true });

    watches[0]!.onEvent('ADDED', svc('d', '11'));
    watches[0]!.onEvent('MODIFIED', svc('a', '12', 'x'));
    watches[0]!.onEvent('DELETED', svc('b', '13'));
    watches[0]!.onEvent('BOOKMARK', { metadata: { resourceVersion: '20' } });
    expect(seen).toEqual(['upsert d: (was none)', 'upsert a:x (was a:)', 'remove b:']);
    expect(watch.get('ns', 'a')).toBe('a:x');
    expect(watch.get('ns', 'b')).toBeUndefined();

    // A clean end (server-side timeout) resumes from the last version seen, without a list; never
    // sooner than a second after the watch began.
    watches[0]!.onDone(null);
    await tick();
    expect(watches).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 1100));
    expect(watches).toHaveLength(2);
    expect(watches[1]!.params.resourceVersion).toBe('20');
    expect(listCalls).toHaveLength(2);
    await watch.stop();
    expect(watches[1]!.aborted).toBe(true);
  });

  it('relists after 410 Gone and reports what changed while it was not watching', async () => {
    let state: Array<ListPage<k8s.V1Service>> = [{ items: [svc('a', '1'), svc('b', '2')], metadata: { resourceVersion: '5' } }];
    const { watch, seen } = setup(() => state);
    await watch.start();
    state = [{ items: [svc('a', '30', 'new')], metadata: { resourceVersion: '31' } }];
    watches[0]!.onEvent('ERROR', { kind: 'Status', code: 410, reason: 'Expired' });
    watches[0]!.onDone(null);
    await new Promise((r) => setTimeout(r, 1100));
    expect(seen).toEqual(['upsert a:new (was a:)', 'remove b:']);
    expect(watch.items()).toEqual(['a:new']);
    expect(watches).toHaveLength(2);
    expect(watches[1]!.params.resourceVersion).toBe('31');
    // Events of the old connection that arrive late are ignored.
    watches[0]!.onEvent('ADDED', svc('zombie', '40'));
    expect(watch.get('ns', 'zombie')).toBeUndefined();
    await watch.stop();
  });
});

describe('objectWatch (objects as their own view)', () => {
  it('tells the handlers about the initial list too, slims objects, and watches with the label selector', async () => {
    const seen: string[] = [];
    const withNoise: k8s.V1Service = {
      metadata: { name: 'a', namespace: 'ns', resourceVersion: '1', managedFields: [{ manager: 'kubectl' }], annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}', keep: 'me' } },
    };
    const watch = objectWatch<k8s.V1Service>(
      {} as KubeConfig,
      '/api/v1/services',
      async () => ({ items: [withNoise], metadata: { resourceVersion: '5' } }),
      { upsert: (o) => seen.push(`upsert ${o.metadata?.name}`), remove: (o) => seen.push(`remove ${o.metadata?.name}`) },
      silentLogger(),
      'app=x',
    );
    await watch.start();
    expect(seen).toEqual(['upsert a']);
    expect(watch.items()[0]?.metadata).toEqual({ name: 'a', namespace: 'ns', resourceVersion: '1', annotations: { keep: 'me' } });
    expect(watches[0]?.params).toMatchObject({ resourceVersion: '5', labelSelector: 'app=x' });
    watches[0]?.onEvent('DELETED', svc('a', '6'));
    expect(seen).toEqual(['upsert a', 'remove a']);
    await watch.stop();
  });
});

