// The CRD path for a third-party protocol against a real apiserver: a PluginAdvertisement selects a pool for the
// static-route fixture plugin, loaded in a controller and a speaker; admission (CEL) and the plugin's validate refuse bad ones.
import * as yaml from 'js-yaml';
import { useControlPlane } from '../../harness/jest-control-plane';
import { runController, type RunningController } from '../../../src/core/controller/run-controller';
import type { RunningSpeaker } from '../../../src/core/speaker/run-speaker';
import { PluginRegistry } from '../../../src/core/plugins/registry';
import { silentLogger } from '../../../src/core/log';
import { configOptionsFor } from '../../../src/cli/config-options';
import type { AnnouncerPlugin, PluginConfigView } from '../../../src/core/plugin-api';
import staticRoute from '../../fixtures/plugins/static-route-plugin';
import { eventually, httpGetText, installMetallbSystem, NAMESPACE } from '../../support/metallb-system';
import { KubeClients } from '../../../src/core/k8s/kube-clients';
import { KubeConfigSource, type ConfigSnapshot } from '../../../src/core/k8s/config-source';
import { startTestSpeaker } from './test-speaker';

const cp = useControlPlane();
let controller: RunningController | undefined;
let speaker: RunningSpeaker | undefined;

/** The fixture plugin as loaded, with what the speaker handed it recorded. */
const views: PluginConfigView[] = [];
const balancers: Array<{ op: string; service: string; ips?: string[]; pool?: string }> = [];
const recorded: AnnouncerPlugin = {
  ...staticRoute,
  create(ctx) {
    const announcer = staticRoute.create(ctx);
    return {
      ...announcer,
      async setConfig(view) {
        views.push(view);
        await announcer.setConfig(view);
      },
      async setBalancer(key, ips, pool, svc) {
        balancers.push({ op: 'setBalancer', service: `${key.namespace}/${key.name}`, ips, pool });
        await announcer.setBalancer(key, ips, pool, svc);
      },
      async deleteBalancer(key) {
        balancers.push({ op: 'deleteBalancer', service: `${key.namespace}/${key.name}` });
        await announcer.deleteBalancer(key);
      },
    };
  },
};

const apply = (doc: unknown) => cp.kubectlOk(['apply', '-f', '-'], { input: yaml.dump(doc) });
const advertisement = (name: string, spec: Record<string, unknown>) => ({
  apiVersion: 'metallbts.io/v1alpha1',
  kind: 'PluginAdvertisement',
  metadata: { name, namespace: NAMESPACE },
  spec,
});

beforeAll(async () => {
  const kubeconfigs = await installMetallbSystem(cp);
  await apply({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a', edge: 'true' } } });
  await apply({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'routed', namespace: NAMESPACE }, spec: { addresses: ['10.20.0.0/24'] } });
  await apply(advertisement('routes', { protocol: 'static-route', ipAddressPools: ['routed'], nodeSelectors: [{ matchLabels: { edge: 'true' } }], options: { table: 100 } }));
  const registry = new PluginRegistry();
  registry.register(recorded);
  const configOptions = configOptionsFor(registry);
  controller = await runController({ kubeconfig: kubeconfigs.controller, namespace: NAMESPACE, metricsPort: 0, metricsHost: '127.0.0.1', logger: silentLogger(), configOptions });
  speaker = await startTestSpeaker(kubeconfigs.speaker, 'node-a', registry, configOptions);
}, 120_000);

afterAll(async () => {
  await speaker?.stop();
  await controller?.stop();
});

describe('PluginAdvertisement through the apiserver, the controller and the speaker', () => {
  test('a Service gets an IP from the pool and the plugin gets setBalancer for it, with the advertisement in its view', async () => {
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'routed-web', namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'web' }, ports: [{ port: 80 }] } });
    const call = await eventually('setBalancer for routed-web', async () => balancers.find((c) => c.service === 'default/routed-web'), 30_000);
    const svc = await cp.kubectlJson<{ status: { loadBalancer: { ingress: Array<{ ip: string }> } } }>(['get', 'service', 'routed-web']);
    expect(call).toEqual({ op: 'setBalancer', service: 'default/routed-web', ips: [svc.status.loadBalancer.ingress[0]!.ip], pool: 'routed' });
    expect(call.ips?.[0]).toMatch(/^10\.20\.0\.\d+$/);
    const view = views.at(-1);
    expect(view?.pools.map((p) => p.name)).toEqual(['routed']);
    expect(view?.pluginAdvertisements.map((a) => [a.name, a.protocol, a.pools, a.options])).toEqual([['routes', 'static-route', ['routed'], { table: 100 }]]);
  }, 60_000);

  test('the node leaves the advertisement\'s nodeSelectors: the plugin withdraws', async () => {
    await cp.kubectlOk(['label', 'node', 'node-a', 'edge-']);
    await eventually('deleteBalancer for routed-web', async () => balancers.find((c) => c.op === 'deleteBalancer' && c.service === 'default/routed-web'), 30_000);
    expect(speaker?.speaker.announcements({ namespace: 'default', name: 'routed-web' })).toEqual({});
  }, 60_000);

  test('admission refuses an advertisement naming a built-in protocol (CEL) and a bad protocol name (schema), with messages', async () => {
    const builtin = await cp.kubectl(['apply', '-f', '-'], { input: yaml.dump(advertisement('l2-here', { protocol: 'layer2' })) });
    expect(builtin.code).not.toBe(0);
    expect(builtin.stderr).toContain('spec.protocol: Invalid value: "layer2": protocol: layer2 is built in: select its pools with an L2Advertisement (metallb.io/v1beta1)');
    const upper = await cp.kubectl(['apply', '-f', '-'], { input: yaml.dump(advertisement('upper', { protocol: 'Static-Route' })) });
    expect(upper.code).not.toBe(0);
    expect(upper.stderr).toMatch(/spec\.protocol: Invalid value: "Static-Route": spec\.protocol in body should match/);
  });

  test("options the plugin's validate refuses pass admission (free-form) but the configuration is rejected as stale, not half-applied", async () => {
    await cp.kubectlOk(['label', 'node', 'node-a', 'edge=true']);
    await eventually('routed-web announced again', async () => balancers.filter((c) => c.service === 'default/routed-web').at(-1)?.op === 'setBalancer' || undefined, 30_000);
    const before = views.length;
    await apply(advertisement('routes', { protocol: 'static-route', ipAddressPools: ['routed'], options: { table: 'main' } }));
    const url = `http://127.0.0.1:${speaker?.metricsPort}/metrics`;
    await eventually('the speaker reports its configuration stale', async () => ((await httpGetText(url)).includes('metallb_k8s_client_config_stale_bool 1') ? true : undefined), 30_000);
    expect(views.length).toBe(before);
    expect(speaker?.speaker.announcements({ namespace: 'default', name: 'routed-web' })).toEqual({ 'static-route': { pool: 'routed', ips: expect.any(Array) } });
  }, 60_000);

  test('a CRD installed after start is found without a restart (crds.enabled turned on later)', async () => {
    await speaker?.stop();
    await controller?.stop();
    speaker = undefined;
    controller = undefined;
    const crd = await cp.kubectlJson<Record<string, unknown> & { metadata: Record<string, unknown> }>(['get', 'crd', 'pluginadvertisements.metallbts.io']);
    await cp.kubectlOk(['delete', 'crd', 'pluginadvertisements.metallbts.io', '--wait=true']);
    let last: ConfigSnapshot | undefined;
    const source = new KubeConfigSource(new KubeClients(cp.get().kubeconfigPath), NAMESPACE, (snap) => (last = snap), silentLogger(), 10, 200);
    await source.start();
    try {
      expect(last?.objects.map((o) => o.kind).sort()).toEqual(['IPAddressPool']);
      const { name } = crd.metadata;
      await apply({ apiVersion: crd.apiVersion, kind: crd.kind, metadata: { name }, spec: crd.spec });
      await cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd', 'pluginadvertisements.metallbts.io']);
      await eventually('the advertisement can be created', async () => ((await cp.kubectl(['apply', '-f', '-'], { input: yaml.dump(advertisement('late', { protocol: 'static-route' })) })).code === 0 ? true : undefined), 30_000);
      const kinds = await eventually('the PluginAdvertisement in a snapshot', async () => {
        const k = last?.objects.map((o) => `${o.kind}/${o.metadata?.name}`).sort();
        return k?.includes('PluginAdvertisement/late') ? k : undefined;
      }, 30_000);
      expect(kinds).toEqual(['IPAddressPool/routed', 'PluginAdvertisement/late']);
    } finally {
      await source.stop();
    }
  }, 120_000);
});
