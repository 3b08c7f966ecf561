// The speaker's wiring (runSpeaker) with the real BGP announcer and fake Kubernetes adapters: an EndpointSlice
// that arrives while the initial sync is still running must still lead to an announcement (lab flake, issue 6).
import type * as k8s from '@kubernetes/client-node';
import { configOptionsFor } from '../../../src/cli/config-options';
import { silentLogger } from '../../../src/core/log';
import { PLUGIN_API_VERSION, type AnnouncerPlugin, type EndpointView, type NodeView, type ServiceKey } from '../../../src/core/plugin-api';
import { PluginRegistry } from '../../../src/core/plugins/registry';
import { runSpeaker, type RunningSpeaker } from '../../../src/core/speaker/run-speaker';
import { BgpAnnouncer, type SessionLike } from '../../../plugins/bgp/announcer';
import type { RouteAttributes } from '../../../plugins/bgp/adj-rib-out';

interface Hub {
  nodes: NodeView[];
  endpoints: Map<string, EndpointView[]>;
  clusterListeners: Set<() => void>;
  configMap?: k8s.V1ConfigMap;
  watches: Map<string, { upsert?: (o: unknown) => void; remove?: (o: unknown) => void; started: boolean; gate: Promise<void> }>;
  releaseServices?: () => void;
  statuses: string[];
}

const mockHub: Hub = { nodes: [], endpoints: new Map(), clusterListeners: new Set(), watches: new Map(), statuses: [] };

jest.mock('../../../src/core/k8s/kube-clients', () => ({
  ...jest.requireActual('../../../src/core/k8s/kube-clients'),
  KubeClients: class {
    kc = {};
    core = {};
  },
}));
jest.mock('../../../src/core/k8s/secret-reader', () => ({
  KubeSecretReader: class {
    async load(): Promise<void> {}
    get(): undefined {
      return undefined;
    }
  },
}));
jest.mock('../../../src/core/k8s/event-recorder', () => ({
  KubeEventRecorder: class {
    normal(): void {}
    warning(): void {}
  },
}));
jest.mock('../../../src/core/k8s/service-status-objects', () => ({
  ...jest.requireActual('../../../src/core/k8s/service-status-objects'),
  KubeServiceStatusObjects: class {
    constructor(_c: unknown, _ns: string, private readonly node: string, private readonly protocol: string) {}
    set(k: ServiceKey, st: Record<string, unknown>): void {
      mockHub.statuses.push(`${this.protocol} set ${k.namespace}/${k.name} ${JSON.stringify(st)}`);
    }
    delete(k: ServiceKey): void {
      mockHub.statuses.push(`${this.protocol} delete ${k.namespace}/${k.name}`);
    }
    async removeStale(): Promise<number> {
      return 0;
    }
    async flush(): Promise<void> {}
  },
}));
jest.mock('../../../src/core/http/health-server', () => ({
  HealthServer: class {
    async listen(): Promise<number> {
      return 0;
    }
    async close(): Promise<void> {}
  },
}));
// Nodes and EndpointSlices: the cache is updated at once, listeners are told (as KubeClusterView does).
jest.mock('../../../src/core/k8s/cluster-view', () => ({
  KubeClusterView: class {
    async start(): Promise<void> {}
    async stop(): Promise<void> {}
    node(name: string) {
      return mockHub.nodes.find((n) => n.name === name);
    }
    nodes() {
      return mockHub.nodes;
    }
    endpoints(k: ServiceKey) {
      return mockHub.endpoints.get(`${k.namespace}/${k.name}`) ?? [];
    }
    onChange(cb: () => void) {
      mockHub.clusterListeners.add(cb);
      return () => mockHub.clusterListeners.delete(cb);
    }
  },
}));
jest.mock('../../../src/core/k8s/config-source', () => ({
  ...jest.requireActual('../../../src/core/k8s/config-source'),
  KubeConfigSource: class {
    constructor(_c: unknown, _ns: string, private readonly onSnapshot: (s: { configMap?: unknown; objects: unknown[] }) => void) {}
    async start(): Promise<void> {
      this.onSnapshot({ configMap: mockHub.configMap, objects: [] });
    }
    async stop(): Promise<void> {}
  },
}));
// The Service watch: start() resolves when the test says so (the real one waits for the watch request after listing).
jest.mock('../../../src/core/k8s/view-watch', () => ({
  ...jest.requireActual('../../../src/core/k8s/view-watch'),
  objectWatch: (_kc: unknown, path: string, _list: unknown, handlers: { upsert?: (o: unknown) => void; remove?: (o: unknown) => void }) => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    mockHub.watches.set(path, { ...handlers, started: false, gate });
    if (path === '/api/v1/services') mockHub.releaseServices = release;
    else release();
    return {
      async start(): Promise<void> {
        const w = mockHub.watches.get(path)!;
        w.started = true;
        await w.gate;
      },
      async stop(): Promise<void> {},
      items: (): unknown[] => [],
      hasSynced: (): boolean => true,
    };
  },
}));

class FakeSession implements SessionLike {
  state = 'Established' as const;
  routes = new Map<string, RouteAttributes>();
  /** The routes held when End-of-RIB was allowed, per call. */
  endOfRib: string[][] = [];
  get announcedCount() {
    return this.routes.size;
  }
  start() {}
  announce(p: string, a: RouteAttributes = {}) {
    this.routes.set(p, a);
    return p;
  }
  withdraw(p: string) {
    return this.routes.delete(p);
  }
  async stop() {}
  endOfRibReady() {
    this.endOfRib.push([...this.routes.keys()]);
  }
}

const LAB_CONFIG = [
  'peers:',
  '- peer-address: 192.168.1.1',
  '  peer-asn: 64500',
  '  my-asn: 64500',
  'address-pools:',
  '- name: bgp-space',
  '  protocol: bgp',
  '  addresses:',
  '  - 198.51.100.10-198.51.100.20',
  '',
].join('\n');

const nginxBgp: k8s.V1Service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'nginx-bgp', namespace: 'default', annotations: { 'metallb.io/address-pool': 'bgp-space' } },
  spec: { type: 'LoadBalancer', ports: [{ name: 'http', port: 80, protocol: 'TCP' }], externalTrafficPolicy: 'Cluster' },
  status: { loadBalancer: { ingress: [{ ip: '198.51.100.10' }] } },
};

const ticks = async (n = 20): Promise<void> => {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
};

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await ticks(1);
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('an EndpointSlice seen during the initial sync, after its Service was evaluated, still gets the Service announced', async () => {
  mockHub.nodes = [{ name: 'node-b', labels: {}, networkUnavailable: false, addresses: ['192.168.1.11'] }];
  mockHub.configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config', namespace: 'metallb-system' }, data: { config: LAB_CONFIG } };
  const sessions: FakeSession[] = [];
  const plugin: AnnouncerPlugin = {
    protocol: 'bgp',
    apiVersion: PLUGIN_API_VERSION,
    create: (ctx) =>
      new BgpAnnouncer(ctx, () => {
        const s = new FakeSession();
        sessions.push(s);
        return s;
      }),
  };
  const registry = new PluginRegistry();
  registry.register(plugin);

  let running: RunningSpeaker | undefined;
  const started = runSpeaker({
    namespace: 'metallb-system',
    nodeName: 'node-b',
    metricsPort: 0,
    logger: silentLogger(),
    registry,
    configOptions: configOptionsFor(registry),
  }).then((r) => (running = r));
  try {
    // The Service watch lists nginx-bgp with its IP; the speaker evaluates it: no endpoint yet, nothing announced.
    await until('the Service watch to start', () => mockHub.watches.get('/api/v1/services')?.started === true);
    mockHub.watches.get('/api/v1/services')!.upsert!(nginxBgp);
    await ticks();
    expect(sessions).toHaveLength(1);
    expect([...sessions[0]!.routes.keys()]).toEqual([]);
    // Its EndpointSlice arrives while the Service watch is still being set up (initial sync not done).
    mockHub.endpoints.set('default/nginx-bgp', [{ addresses: ['192.168.1.11'], nodeName: 'node-b', ready: true, serving: true, terminating: false }]);
    for (const cb of [...mockHub.clusterListeners]) cb();
    await ticks();
    // Graceful restart: no End-of-RIB while the sync is incomplete (the router would drop stale routes).
    expect(sessions[0]!.endOfRib).toEqual([]);
    mockHub.releaseServices!();
    await started;
    // Nothing else happens in the cluster: the change seen during the sync alone must lead to the announcement.
    await until('the announcement', () => sessions[0]!.routes.has('198.51.100.10/32'));
    await ticks();
    expect(running!.speaker.announcements({ namespace: 'default', name: 'nginx-bgp' })).toEqual({ bgp: { pool: 'bgp-space', ips: ['198.51.100.10'] } });
    expect(mockHub.statuses).toEqual(['bgp set default/nginx-bgp {"peers":["peers[0]"]}']);
    // End-of-RIB allowed once, after the resync that announced the Service seen during the sync.
    expect(sessions[0]!.endOfRib).toEqual([['198.51.100.10/32']]);
  } finally {
    mockHub.releaseServices?.();
    await started.catch(() => undefined);
    await running?.stop();
  }
});
