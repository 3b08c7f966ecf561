// runSpeaker's container: fake Kubernetes adapters and health server registered by the test drive the real speaker loop.
import type * as k8s from '@kubernetes/client-node';
import { BUILTIN_PROTOCOLS } from '../../../src/core/config';
import { TOKENS } from '../../../src/core/composition/tokens';
import type { ConfigSnapshot } from '../../../src/core/k8s/config-source';
import { KubeClients } from '../../../src/core/k8s/kube-clients';
import { KubeSpeakerAdapters, type ServiceHandlers, type SpeakerKube } from '../../../src/core/k8s/speaker-kube';
import { silentLogger } from '../../../src/core/log';
import { fakeHealth, forbidRealKubeClients } from '../../support/container-fakes';
import { PluginRegistry } from '../../../src/core/plugins/registry';
import { runSpeaker } from '../../../src/core/speaker/run-speaker';
import { speakerContainer } from '../../../src/core/speaker/speaker-container';
import { recordingPlugin } from '../../support/recording-plugin';
import { service } from '../../support/fixtures';

const NAMESPACE = 'metallb-system';
const configMap: k8s.V1ConfigMap = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'config', namespace: NAMESPACE },
  data: { config: 'address-pools:\n- name: my-ip-space\n  protocol: layer2\n  addresses:\n  - 192.168.1.240-192.168.1.250\n' },
};

function fakeKube() {
  const log: string[] = [];
  let handlers: ServiceHandlers | undefined;
  const kube: SpeakerKube = {
    secrets: () => ({
      load: async (names) => void log.push(`load secrets ${names.join(',')}`),
      get: (name, key) => (name === 'memberlist' && key === 'secretkey' ? 'sekrit' : undefined),
    }),
    cluster: () => ({
      start: async () => void log.push('start cluster'),
      stop: async () => void log.push('stop cluster'),
      node: () => undefined,
      nodes: () => [],
      endpoints: () => [],
      onChange: () => () => undefined,
    }),
    events: () => ({ normal: (k, reason, msg) => log.push(`Normal ${k.name} ${reason} ${msg}`), warning: (k, reason, msg) => log.push(`Warning ${k.name} ${reason} ${msg}`) }),
    configState: () => ({ report: async (s) => void log.push(`config state ${s.valid ? 'Valid' : 'Invalid'}`) }),
    speakerReports: async () => [],
    statusProtocols: () => ['layer2'],
    serviceStatus: (protocol) => ({
      removeStale: async () => {
        log.push(`remove stale ${protocol}`);
        return 1;
      },
      set: (k) => void log.push(`${protocol} status set ${k.name}`),
      delete: (k) => void log.push(`${protocol} status delete ${k.name}`),
      flush: async () => void log.push(`${protocol} status flush`),
    }),
    configSource: (onSnapshot: (s: ConfigSnapshot) => void) => ({
      start: async () => onSnapshot({ configMap, objects: [] }),
      stop: async () => void log.push('stop config'),
    }),
    services: (h) => {
      handlers = h;
      return {
        start: async () => h.upsert(service('nginx', { ingressIPs: ['192.168.1.240'] })),
        stop: async () => void log.push('stop services'),
      };
    },
  };
  return { kube, log, remove: (name: string) => handlers?.remove({ namespace: 'default', name }) };
}

test('the tutorial Service is announced through the plugin registry and adapters the container holds; stop hands over', async () => {
  const l2 = recordingPlugin('layer2', ['arp']);
  const registry = new PluginRegistry();
  registry.register(l2);
  const fake = fakeKube();
  const health = fakeHealth(17473);
  const running = await runSpeaker(
    { namespace: NAMESPACE, nodeName: 'node-a', metricsPort: 0, logger: silentLogger(), registry, configOptions: BUILTIN_PROTOCOLS },
    (c) => {
      forbidRealKubeClients(c);
      c.register(TOKENS.speakerKube, { useValue: fake.kube });
      c.register(TOKENS.healthEndpoint, { useValue: health.factory });
    },
  );
  expect(running.metricsPort).toBe(17473);
  expect(health.seen.checks?.ready()).toEqual({ ready: true, reasons: [] });
  expect(l2.ctx?.secret('memberlist', 'secretkey')).toBe('sekrit');
  expect(l2.ctx?.nodeName).toBe('node-a');
  expect(l2.calls).toEqual([{ op: 'setConfig' }, { op: 'setBalancer', service: 'default/nginx', ips: ['192.168.1.240'], pool: 'my-ip-space' }]);
  fake.remove('nginx');
  await running.stop();
  expect(l2.calls.slice(2)).toEqual([{ op: 'deleteBalancer', service: 'default/nginx' }, { op: 'shutdown' }]);
  expect(fake.log.slice(0, 5)).toEqual(['load secrets memberlist', 'remove stale layer2', 'start cluster', 'config state Valid', 'layer2 status set nginx']);
  expect(fake.log).toContain('Normal nginx nodeAssigned announcing from node "node-a" with protocol "layer2"');
  expect(fake.log).toContain('layer2 status delete nginx');
  expect(fake.log).toContain('layer2 status flush');
  expect(fake.log.filter((l) => l.startsWith('stop')).sort()).toEqual(['stop cluster', 'stop config', 'stop services']);
  expect(health.seen.closed).toBe(true);
});

test('the default container builds the Kubernetes adapters once, for its node and namespace, and holds the plugin registry', () => {
  const registry = new PluginRegistry();
  const c = speakerContainer({ namespace: 'lb-system', nodeName: 'node-b', metricsPort: 0, logger: silentLogger(), registry, configOptions: BUILTIN_PROTOCOLS });
  const clients = { kc: {}, core: {} } as unknown as KubeClients;
  c.register(KubeClients, { useValue: clients });
  const kube = c.resolve(TOKENS.speakerKube);
  expect(kube).toBeInstanceOf(KubeSpeakerAdapters);
  expect(c.resolve(TOKENS.speakerKube)).toBe(kube);
  expect(kube).toMatchObject({ clients, namespace: 'lb-system', nodeName: 'node-b' });
  expect(kube.statusProtocols()).toEqual(['layer2', 'bgp']);
  expect(c.resolve(PluginRegistry)).toBe(registry);
});
