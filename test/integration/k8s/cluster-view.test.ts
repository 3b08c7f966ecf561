// Drives KubeClusterView (Node + EndpointSlice watches) against a real kube-apiserver.
import { useControlPlane } from '../../harness/jest-control-plane';
import { KubeClients } from '../../../src/core/k8s/kube-clients';
import { KubeClusterView } from '../../../src/core/k8s/cluster-view';
import { KubeNamespaceLabels } from '../../../src/core/k8s/namespace-labels';
import { silentLogger } from '../../../src/core/log';

const cp = useControlPlane();
const NS = 'cluster-view';
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function eventually<T>(what: string, check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

let clients: KubeClients;
let view: KubeClusterView;
let changes = 0;

beforeAll(async () => {
  clients = new KubeClients(cp.get().kubeconfigPath);
  await clients.core.createNamespace({ body: { metadata: { name: NS } } });
  view = new KubeClusterView(clients, silentLogger());
  view.onChange(() => changes++);
  await view.start();
});

afterAll(async () => {
  await view?.stop();
});

describe('KubeClusterView against a real apiserver', () => {
  it('sees Nodes with their addresses, labels and NetworkUnavailable condition', async () => {
    await clients.core.createNode({
      body: { metadata: { name: 'node-a', labels: { zone: 'a' } } },
    });
    await clients.core.patchNodeStatus(
      {
        name: 'node-a',
        body: [{
          op: 'add',
          path: '/status',
          value: {
            addresses: [{ type: 'InternalIP', address: '192.168.1.10' }, { type: 'Hostname', address: 'node-a' }],
            conditions: [{ type: 'NetworkUnavailable', status: 'True', reason: 'Test', message: 'test' }],
          },
        }],
      },
    );
    const node = await eventually('node-a with addresses', () => {
      const n = view.node('node-a');
      return n && n.addresses.length > 0 ? n : undefined;
    });
    expect(node).toEqual({ name: 'node-a', labels: { zone: 'a' }, networkUnavailable: true, addresses: ['192.168.1.10'] });
    expect(changes).toBeGreaterThan(0);

    await clients.core.deleteNode({ name: 'node-a' });
    await eventually('node-a gone', () => (view.node('node-a') ? undefined : true));
  });

  it('maps EndpointSlices to the Service they belong to, with API defaults for nil conditions', async () => {
    await clients.discovery.createNamespacedEndpointSlice({
      namespace: NS,
      body: {
        metadata: { name: 'nginx-abc', namespace: NS, labels: { 'kubernetes.io/service-name': 'nginx' } },
        addressType: 'IPv4',
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
        endpoints: [
          { addresses: ['10.0.0.1'], nodeName: 'node-a', conditions: { ready: true } },
          { addresses: ['10.0.0.2'], nodeName: 'node-b', conditions: { ready: false, serving: true, terminating: true } },
          { addresses: ['10.0.0.3'], nodeName: 'node-c' },
        ],
      },
    });
    const eps = await eventually('3 endpoints', () => {
      const e = view.endpoints({ namespace: NS, name: 'nginx' });
      return e.length === 3 ? e : undefined;
    });
    expect(eps).toEqual([
      { addresses: ['10.0.0.1'], nodeName: 'node-a', ready: true, serving: true, terminating: false },
      { addresses: ['10.0.0.2'], nodeName: 'node-b', ready: false, serving: true, terminating: true },
      { addresses: ['10.0.0.3'], nodeName: 'node-c', ready: true, serving: true, terminating: false },
    ]);
    expect(view.endpoints({ namespace: NS, name: 'other' })).toEqual([]);

    await clients.discovery.deleteNamespacedEndpointSlice({ name: 'nginx-abc', namespace: NS });
    await eventually('slice gone', () => (view.endpoints({ namespace: NS, name: 'nginx' }).length === 0 ? true : undefined));
  });

  it('caches Namespace labels and reports label changes', async () => {
    const changed: string[] = [];
    const labels = new KubeNamespaceLabels(clients, silentLogger(), (ns) => changed.push(ns));
    await labels.start();
    try {
      expect(labels.get(NS)).toEqual({ 'kubernetes.io/metadata.name': NS });
      await clients.core.patchNamespace({
        name: NS,
        body: [{ op: 'add', path: '/metadata/labels/team', value: 'blue' }],
      });
      await eventually('team label', () => (labels.get(NS).team === 'blue' ? true : undefined));
      expect(changed).toEqual([NS]);
      expect(labels.get('no-such-namespace')).toEqual({});
    } finally {
      await labels.stop();
    }
  });
});
