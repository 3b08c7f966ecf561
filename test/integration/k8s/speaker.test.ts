// The speaker loop against a real kube-apiserver (as its ServiceAccount), with a recording plugin.
import * as yaml from 'js-yaml';
import { useControlPlane } from '../../harness/jest-control-plane';
import type { RunningController } from '../../../src/core/controller/run-controller';
import type { RunningSpeaker } from '../../../src/core/speaker/run-speaker';
import { PluginRegistry } from '../../../src/core/plugins/registry';
import { recordingPlugin, type RecordingPlugin } from '../../support/recording-plugin';
import { eventually, httpGetText, installMetallbSystem, NAMESPACE } from '../../support/metallb-system';
import { startTestController } from '../../support/test-controller';
import { layer2ConfigMap } from '../../support/layer2-config-map';
import { startTestSpeaker } from './test-speaker';

const cp = useControlPlane();
let kubeconfigs: { controller: string; speaker: string };
let controller: RunningController | undefined;
let speaker: RunningSpeaker | undefined;
let l2: RecordingPlugin;

const setBalancers = (service: string) => l2.calls.filter((c) => c.op === 'setBalancer' && c.service === service);

beforeAll(async () => {
  kubeconfigs = await installMetallbSystem(cp);
  await cp.kubectlOk(['apply', '-f', '-'], {
    input: `${layer2ConfigMap('192.168.1.240-192.168.1.250')}
---
apiVersion: v1
kind: Node
metadata: { name: node-a, labels: { kubernetes.io/hostname: node-a } }
`,
  });
  // Left by an earlier, killed run of node-a's speaker: the new speaker must remove it.
  await cp.kubectlOk(['apply', '-f', '-'], {
    input: `
apiVersion: metallb.io/v1beta1
kind: ServiceL2Status
metadata:
  name: l2-stale
  namespace: ${NAMESPACE}
  labels: { metallb.io/node: node-a, metallb.io/service-name: ghost, metallb.io/service-namespace: default }
spec: {}
`,
  });
  controller = await startTestController(kubeconfigs.controller);
  l2 = recordingPlugin('layer2', ['arp']);
  l2.decide = (svc) => {
    const eps = l2.ctx?.cluster.endpoints(svc) ?? [];
    return svc.externalTrafficPolicy === 'Local' && !eps.some((e) => e.nodeName === 'node-a' && e.ready)
      ? { announce: false, reason: 'no local endpoint' }
      : { announce: true, reason: 'ok' };
  };
  const registry = new PluginRegistry();
  registry.register(l2);
  registry.register(recordingPlugin('bgp'));
  speaker = await startTestSpeaker(kubeconfigs.speaker, 'node-a', registry);
}, 120_000);

afterAll(async () => {
  await speaker?.stop();
  await controller?.stop();
});

describe('speaker loop against a real apiserver', () => {
  test('the tutorial Service is announced by the layer2 plugin; nodeAssigned event; metric', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: yaml.dump({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'nginx' }, ports: [{ port: 80 }] } }),
    });
    const call = await eventually('setBalancer for nginx', async () => setBalancers('default/nginx')[0]);
    expect(call).toEqual({ op: 'setBalancer', service: 'default/nginx', ips: ['192.168.1.240'], pool: 'my-ip-space' });
    const ev = await eventually('nodeAssigned event', async () => {
      const out = await cp.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=nginx,reason=nodeAssigned', '-o', 'jsonpath={.items[*].message}']);
      return out || undefined;
    });
    expect(ev).toContain('announcing from node "node-a" with protocol "layer2"');
    const metrics = await httpGetText(`http://127.0.0.1:${speaker?.metricsPort}/metrics`);
    expect(metrics).toContain('metallb_speaker_announced{service="default/nginx",protocol="layer2",node="node-a",ip="192.168.1.240"} 1');
  });

  test('ServiceL2Status: the plugin publishes per-Service status, labelled by node and service', async () => {
    interface L2Status { metadata: { labels: Record<string, string> }; status?: { node?: string; serviceName?: string; serviceNamespace?: string; interfaces?: Array<{ name: string }> } }
    const item = await eventually('ServiceL2Status for nginx', async () => {
      const list = await cp.kubectlJson<{ items: L2Status[] }>(['-n', NAMESPACE, 'get', 'servicel2statuses', '-l', 'metallb.io/service-name=nginx']);
      return list.items.find((i) => i.status?.node === 'node-a');
    });
    expect(item.metadata.labels).toMatchObject({ 'metallb.io/node': 'node-a', 'metallb.io/service-namespace': 'default' });
    expect(item.status).toEqual({ node: 'node-a', serviceName: 'nginx', serviceNamespace: 'default', interfaces: [{ name: 'eth0' }] });
  });

  test('status objects left by an earlier run of this node are removed at start', async () => {
    const list = await cp.kubectlJson<{ items: unknown[] }>(['-n', NAMESPACE, 'get', 'servicel2statuses', '-l', 'metallb.io/service-name=ghost']);
    expect(list.items).toEqual([]);
  });

  test('ETP Local follows EndpointSlices: announced only once node-a has a ready endpoint', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: yaml.dump({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'local', namespace: 'default' }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', selector: { app: 'local' }, ports: [{ port: 80 }] } }),
    });
    await eventually('IP for local', async () => {
      const s = await cp.kubectlJson<{ status?: { loadBalancer?: { ingress?: unknown[] } } }>(['get', 'svc', 'local']);
      return s.status?.loadBalancer?.ingress?.length ? true : undefined;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(setBalancers('default/local')).toHaveLength(0);
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: yaml.dump({
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: { name: 'local-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'local' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.244.0.5'], nodeName: 'node-a', conditions: { ready: true } }],
        ports: [{ port: 80, protocol: 'TCP' }],
      }),
    });
    await eventually('setBalancer for local', async () => setBalancers('default/local')[0]);
  });

  test('deleting the Service withdraws it', async () => {
    await cp.kubectlOk(['delete', 'svc', 'nginx']);
    await eventually('deleteBalancer for nginx', async () => l2.calls.find((c) => c.op === 'deleteBalancer' && c.service === 'default/nginx'));
    await eventually('ServiceL2Status for nginx removed', async () => {
      const list = await cp.kubectlJson<{ items: unknown[] }>(['-n', NAMESPACE, 'get', 'servicel2statuses', '-l', 'metallb.io/service-name=nginx']);
      return list.items.length === 0 ? true : undefined;
    });
  });

  test('ConfigurationState speaker-node-a: Valid, labelled; an invalid config → Invalid + stale metric, last good kept; fixed → Valid', async () => {
    interface State { metadata: { labels: Record<string, string> }; status?: { result?: string; lastError?: string; node?: string; conditions?: Array<{ type: string; status: string }> } }
    const get = (): Promise<State> => cp.kubectlJson<State>(['-n', NAMESPACE, 'get', 'configurationstates', 'speaker-node-a']);
    const valid = await eventually('speaker state Valid', async () => ((await get()).status?.result === 'Valid' ? get() : undefined));
    expect(valid.metadata.labels).toMatchObject({ 'metallb.io/component-type': 'speaker', 'metallb.io/node-name': 'node-a' });
    expect(valid.status?.node).toBe('node-a');
    expect(valid.status?.conditions?.find((c) => c.type === 'ConfigValid')?.status).toBe('True');
    const metricsUrl = `http://127.0.0.1:${speaker?.metricsPort}/metrics`;
    expect(await httpGetText(metricsUrl)).toContain('metallb_k8s_client_config_loaded_bool 1');
    expect(await httpGetText(metricsUrl)).toMatch(/metallb_k8s_client_updates_total [1-9]/);
    expect(await httpGetText(metricsUrl)).toContain('metallb_k8s_client_update_errors_total 0');
    await cp.kubectlOk(['apply', '-f', '-'], { input: layer2ConfigMap('192.168.1.300/28') });
    const invalid = await eventually('speaker state Invalid', async () => ((await get()).status?.result === 'Invalid' ? get() : undefined));
    expect(invalid.status?.lastError).toContain('192.168.1.300/28');
    expect(invalid.status?.conditions?.find((c) => c.type === 'ConfigValid')?.status).toBe('False');
    expect(await httpGetText(metricsUrl)).toContain('metallb_k8s_client_config_stale_bool 1');
    expect(speaker?.speaker.announcements({ namespace: 'default', name: 'local' }).layer2?.pool).toBe('my-ip-space');
    await cp.kubectlOk(['apply', '-f', '-'], { input: layer2ConfigMap('192.168.1.240-192.168.1.250') });
    await eventually('speaker state Valid again', async () => ((await get()).status?.result === 'Valid' ? true : undefined));
    expect(await httpGetText(metricsUrl)).toContain('metallb_k8s_client_config_stale_bool 0');
  });

  test('RBAC: each ServiceAccount can do its job and nothing more', async () => {
    const can = async (as: string, ...args: string[]): Promise<boolean> => {
      const r = await cp.kubectl(['auth', 'can-i', ...args], { as: `system:serviceaccount:${NAMESPACE}:${as}` });
      return r.stdout.trim() === 'yes';
    };
    expect(await can('speaker', 'list', 'services')).toBe(true);
    expect(await can('speaker', 'update', 'services')).toBe(false);
    expect(await can('speaker', 'patch', 'services', '--subresource=status')).toBe(false);
    expect(await can('speaker', 'get', 'secrets/memberlist', '-n', NAMESPACE)).toBe(true);
    // BGPPeer passwordSecrets are granted by name (chart value speaker.bgpPasswordSecrets), never the whole namespace.
    expect(await can('speaker', 'get', 'secrets/other', '-n', NAMESPACE)).toBe(false);
    expect(await can('speaker', 'list', 'secrets', '-n', NAMESPACE)).toBe(false);
    expect(await can('speaker', 'list', 'secrets', '-n', 'kube-system')).toBe(false);
    expect(await can('controller', 'patch', 'services', '--subresource=status')).toBe(true);
    expect(await can('controller', 'delete', 'services')).toBe(false);
    expect(await can('controller', 'patch', 'services')).toBe(false);
    expect(await can('controller', 'create', 'secrets', '-n', NAMESPACE)).toBe(true);
    expect(await can('controller', 'create', 'secrets', '-n', 'default')).toBe(false);
    expect(await can('controller', 'list', 'nodes')).toBe(false);
    expect(await can('controller', 'create', 'pods')).toBe(false);
    expect(await can('speaker', 'create', 'servicel2statuses.metallb.io', '-n', NAMESPACE)).toBe(true);
    expect(await can('speaker', 'delete', 'nodes')).toBe(false);
    expect(await can('speaker', 'patch', 'configurationstates.metallb.io', '-n', NAMESPACE, '--subresource=status')).toBe(true);
    expect(await can('speaker', 'delete', 'configurationstates.metallb.io', '-n', NAMESPACE)).toBe(false);
  });
});
