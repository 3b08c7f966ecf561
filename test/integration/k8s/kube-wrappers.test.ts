// Drives src/core/k8s (clients, ServiceView, status writer, events, watch) against a real kube-apiserver.
import type * as k8s from '@kubernetes/client-node';
import { useControlPlane } from '../../harness/jest-control-plane';
import { KubeClients } from '../../../src/core/k8s/kube-clients';
import { toServiceView } from '../../../src/core/k8s/service-view';
import { KubeServiceStatusWriter } from '../../../src/core/k8s/service-status-writer';
import { KubeEventRecorder } from '../../../src/core/k8s/event-recorder';
import { objectWatch, ViewWatch } from '../../../src/core/k8s/view-watch';
import { ensureMemberlistSecret, MEMBERLIST_SECRET, MEMBERLIST_SECRET_KEY } from '../../../src/core/k8s/memberlist-secret';
import { KubeSecretReader } from '../../../src/core/k8s/secret-reader';
import { createLogger, silentLogger } from '../../../src/core/log';
import { Writable } from 'node:stream';

/** A logger whose lines are kept, so a failed expectation can show what the code under test logged. */
function capturingLogger(): { log: ReturnType<typeof createLogger>; lines: string[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString().trim());
      done();
    },
  });
  return { log: createLogger({ level: 'debug', destination }), lines };
}

const cp = useControlPlane();
const NS = 'k8s-wrappers';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` returns a value (bounded), so watch/event tests never hang. */
async function eventually<T>(what: string | (() => string), check: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await sleep(100);
  }
}

function lbService(name: string, annotations: Record<string, string> = {}): k8s.V1Service {
  return {
    metadata: { name, namespace: NS, annotations, labels: { app: name } },
    spec: {
      type: 'LoadBalancer',
      selector: { app: name },
      externalTrafficPolicy: 'Local',
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }],
    },
  };
}

let clients: KubeClients;

beforeAll(async () => {
  clients = new KubeClients(cp.get().kubeconfigPath);
  await clients.core.createNamespace({ body: { metadata: { name: NS } } });
});

describe('src/core/k8s against a real apiserver', () => {
  it('converts a created LoadBalancer Service to a ServiceView', async () => {
    const created = await clients.core.createNamespacedService({
      namespace: NS,
      body: lbService('view', { 'metallb.universe.tf/address-pool': 'old-pool' }),
    });
    const view = toServiceView(created);
    expect(view).toMatchObject({
      namespace: NS,
      name: 'view',
      type: 'LoadBalancer',
      externalTrafficPolicy: 'Local',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
      selector: { app: 'view' },
      ports: [{ port: 80, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }],
      ingressIPs: [],
    });
    expect(view.annotations['metallb.universe.tf/address-pool']).toBe('old-pool');
  });

  it('writes and clears status.loadBalancer.ingress and the pool annotation', async () => {
    const svc = await clients.core.createNamespacedService({ namespace: NS, body: lbService('status') });
    const writer = new KubeServiceStatusWriter(clients);

    await writer.writeStatus(toServiceView(svc), ['192.168.1.240'], 'default-pool');
    let read = await clients.core.readNamespacedService({ name: 'status', namespace: NS });
    // The apiserver defaults ipMode to VIP (LoadBalancerIPMode, GA since 1.32).
    expect(read.status?.loadBalancer?.ingress?.map((i) => ({ ip: i.ip, ipMode: i.ipMode }))).toEqual([
      { ip: '192.168.1.240', ipMode: 'VIP' },
    ]);
    expect(read.metadata?.annotations?.['metallb.io/ip-allocated-from-pool']).toBe('default-pool');
    expect(toServiceView(read).ingressIPs).toEqual(['192.168.1.240']);

    await writer.writeStatus(toServiceView(read), [], undefined);
    read = await clients.core.readNamespacedService({ name: 'status', namespace: NS });
    expect(read.status?.loadBalancer?.ingress ?? []).toEqual([]);
    expect(read.metadata?.annotations?.['metallb.io/ip-allocated-from-pool']).toBeUndefined();

    // A final API error keeps its status code and the apiserver's message (no retries for a 404).
    const missing = { ...toServiceView(read), name: 'missing' };
    await expect(writer.writeStatus(missing, ['192.168.1.241'], 'default-pool')).rejects.toMatchObject({
      code: 404,
      message: expect.stringContaining('services "missing" not found'),
    });
  });

  it('records Events with the MetalLB reasons on the Service', async () => {
    const key = { namespace: NS, name: 'status' };
    const logs = capturingLogger();
    const controller = new KubeEventRecorder(clients, 'metallb-controller', logs.log);
    const speaker = new KubeEventRecorder(clients, 'metallb-speaker', logs.log, 'node-a');
    const emitted: Array<[KubeEventRecorder, 'normal' | 'warning', string]> = [
      [controller, 'normal', 'IPAllocated'],
      [controller, 'warning', 'AllocationFailed'],
      [speaker, 'normal', 'nodeAssigned'],
      [speaker, 'warning', 'announceFailed'],
    ];
    const listed = async (): Promise<k8s.CoreV1Event[]> =>
      (await clients.core.listNamespacedEvent({
        namespace: NS,
        fieldSelector: 'involvedObject.kind=Service,involvedObject.name=status',
      })).items;
    // One at a time, each confirmed before the next (see the same-millisecond case below).
    for (const [recorder, kind, reason] of emitted) {
      recorder[kind](key, reason, `${reason} message`);
      await eventually(() => `${reason} event; recorder logged: ${logs.lines.join('\n') || 'nothing'}`, async () =>
        (await listed()).some((e) => e.reason === reason) ? true : undefined);
    }
    const byReason = new Map((await listed()).map((e) => [e.reason, e]));
    expect(byReason.get('IPAllocated')?.type).toBe('Normal');
    expect(byReason.get('IPAllocated')?.source?.component).toBe('metallb-controller');
    expect(byReason.get('AllocationFailed')?.type).toBe('Warning');
    expect(byReason.get('nodeAssigned')?.source?.host).toBe('node-a');
    expect(byReason.get('announceFailed')?.type).toBe('Warning');
  });

  // Regression: names were `<svc>.<ms-hex><per-recorder-seq>`, so two recorders in one millisecond collided (409, event lost).
  it('keeps events from two recorders written in the same millisecond', async () => {
    const key = { namespace: NS, name: 'view' };
    const logs = capturingLogger();
    const a = new KubeEventRecorder(clients, 'metallb-speaker', logs.log, 'node-a');
    const b = new KubeEventRecorder(clients, 'metallb-speaker', logs.log, 'node-b');
    // Freeze only Date; timers and I/O keep running for the HTTP client.
    jest.useFakeTimers({
      now: new Date('2026-01-01T00:00:00Z'),
      doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval',
        'clearInterval', 'queueMicrotask', 'hrtime', 'performance'],
    });
    try {
      a.normal(key, 'nodeAssigned', 'announcing from node "node-a"');
      b.normal(key, 'nodeAssigned', 'announcing from node "node-b"');
    } finally {
      jest.useRealTimers();
    }
    await eventually(() => `2 events; recorder logged: ${logs.lines.join('\n') || 'nothing'}`, async () => {
      const list = await clients.core.listNamespacedEvent({
        namespace: NS,
        fieldSelector: 'involvedObject.kind=Service,involvedObject.name=view,reason=nodeAssigned',
      });
      return list.items.length >= 2 ? true : undefined;
    }, 3000);
  });

  it('watches Services: sees add, update and delete', async () => {
    const seen: string[] = [];
    const watch = objectWatch<k8s.V1Service>(
      clients.kc,
      '/api/v1/services',
      (page) => clients.core.listServiceForAllNamespaces(page),
      {
        upsert: (s) => seen.push(`upsert ${s.metadata?.namespace}/${s.metadata?.name} ${s.metadata?.labels?.rev ?? ''}`.trim()),
        remove: (s) => seen.push(`remove ${s.metadata?.namespace}/${s.metadata?.name}`),
      },
      silentLogger(),
    );
    await watch.start();
    try {
      expect(watch.hasSynced()).toBe(true);
      expect(watch.items().map((s) => s.metadata?.name)).toEqual(expect.arrayContaining(['kubernetes', 'view', 'status']));

      await clients.core.createNamespacedService({ namespace: NS, body: lbService('watched') });
      await eventually('add', () => (seen.includes(`upsert ${NS}/watched`) ? true : undefined));
      await clients.core.patchNamespacedService(
        { name: 'watched', namespace: NS, body: [{ op: 'add', path: '/metadata/labels/rev', value: '2' }] },
      );
      await eventually('update', () => (seen.includes(`upsert ${NS}/watched 2`) ? true : undefined));
      await clients.core.deleteNamespacedService({ name: 'watched', namespace: NS });
      await eventually('delete', () => (seen.includes(`remove ${NS}/watched`) ? true : undefined));
    } finally {
      await watch.stop();
    }
  });

  it('keeps watching Services (full objects and compact views) across a kube-apiserver restart', async () => {
    const seen = new Set<string>();
    const watch = objectWatch<k8s.V1Service>(
      clients.kc,
      `/api/v1/namespaces/${NS}/services`,
      (page) => clients.core.listNamespacedService({ namespace: NS, ...page }),
      { upsert: (s) => seen.add(`upsert ${s.metadata?.name}`), remove: (s) => seen.add(`remove ${s.metadata?.name}`) },
      silentLogger(),
    );
    // The compact-view cache the controller uses, listing one object per page.
    const viewSeen = new Set<string>();
    const views = new ViewWatch<k8s.V1Service, ReturnType<typeof toServiceView>>({
      kc: clients.kc,
      path: `/api/v1/namespaces/${NS}/services`,
      list: (page) => clients.core.listNamespacedService({ namespace: NS, ...page }),
      view: toServiceView,
      upsert: (v) => viewSeen.add(`upsert ${v.name} ${v.ports.length}`),
      remove: (v) => viewSeen.add(`remove ${v.name}`),
      log: silentLogger(),
      pageSize: 1,
    });
    await watch.start();
    await views.start();
    try {
      expect(views.items().map((v) => v.name).sort()).toEqual(watch.items().map((s) => s.metadata?.name).sort());
      expect(views.items().length).toBeGreaterThan(1);
      await cp.get().restartApiserver({ downMs: 500 });
      // Objects written after the restart must reach the cache through a re-established watch.
      await clients.core.createNamespacedService({ namespace: NS, body: lbService('after-restart') });
      await eventually('add after restart', () => (seen.has('upsert after-restart') ? true : undefined), 30_000);
      await eventually('view add after restart', () => (viewSeen.has('upsert after-restart 2') ? true : undefined), 30_000);
      await clients.core.deleteNamespacedService({ name: 'after-restart', namespace: NS });
      await eventually('delete after restart', () => (seen.has('remove after-restart') ? true : undefined), 30_000);
      await eventually('view delete after restart', () => (viewSeen.has('remove after-restart') ? true : undefined), 30_000);
      expect(watch.items().map((s) => s.metadata?.name)).not.toContain('after-restart');
      expect(views.get(NS, 'after-restart')).toBeUndefined();
    } finally {
      await watch.stop();
      await views.stop();
    }
  }, 120_000);

  it('creates the memberlist Secret exactly once, even when asked concurrently', async () => {
    const results = await Promise.all([1, 2, 3].map(() => ensureMemberlistSecret(clients, NS)));
    expect(results.filter((created) => created)).toHaveLength(1);
    expect(await ensureMemberlistSecret(clients, NS)).toBe(false);
    const secret = await clients.core.readNamespacedSecret({ name: MEMBERLIST_SECRET, namespace: NS });
    const key = Buffer.from(secret.data?.[MEMBERLIST_SECRET_KEY] ?? '', 'base64').toString();
    // MetalLB's format: 16 random bytes, base64 without padding (22 characters).
    expect(key).toMatch(/^[A-Za-z0-9+/]{22}$/);
  });

  it('creates the memberlist Secret under the name the chart gives (--memberlist-secret)', async () => {
    expect(await ensureMemberlistSecret(clients, NS, 'ml-custom')).toBe(true);
    expect(await ensureMemberlistSecret(clients, NS, 'ml-custom')).toBe(false);
    const secret = await clients.core.readNamespacedSecret({ name: 'ml-custom', namespace: NS });
    expect(Buffer.from(secret.data?.[MEMBERLIST_SECRET_KEY] ?? '', 'base64').toString()).toMatch(/^[A-Za-z0-9+/]{22}$/);
  });

  it('plugin Secrets: reload sees a rotation, a Secret created late, and a deleted one, and reports just those', async () => {
    const put = (name: string, token: string) => ({ metadata: { name, namespace: NS }, stringData: { token } });
    await clients.core.createNamespacedSecret({ namespace: NS, body: put('hook-token', 'one') });
    const reader = new KubeSecretReader(clients, NS);
    await reader.load(['hook-token', 'hook-late']);
    expect(reader.get('hook-token', 'token')).toBe('one');
    expect(reader.get('hook-late', 'token')).toBeUndefined();
    expect(await reader.reload()).toEqual([]);
    await clients.core.replaceNamespacedSecret({ name: 'hook-token', namespace: NS, body: put('hook-token', 'two') });
    await clients.core.createNamespacedSecret({ namespace: NS, body: put('hook-late', 'late') });
    expect((await reader.reload()).sort()).toEqual(['hook-late', 'hook-token']);
    expect(reader.get('hook-token', 'token')).toBe('two');
    expect(reader.get('hook-late', 'token')).toBe('late');
    await clients.core.deleteNamespacedSecret({ name: 'hook-token', namespace: NS });
    expect(await reader.reload()).toEqual(['hook-token']);
    expect(reader.get('hook-token', 'token')).toBeUndefined();
    expect(reader.get('hook-late', 'token')).toBe('late');
  });
});
