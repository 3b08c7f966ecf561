// runController's container: a test registers fake Kubernetes adapters and health server; the real clients are never built.
import type * as k8s from '@kubernetes/client-node';
import { BUILTIN_PROTOCOLS } from '../../../src/core/config';
import { TOKENS } from '../../../src/core/composition/tokens';
import { controllerContainer } from '../../../src/core/controller/controller-container';
import { runController } from '../../../src/core/controller/run-controller';
import type { ConfigSnapshot } from '../../../src/core/k8s/config-source';
import { KubeControllerAdapters, type ControllerKube, type ServiceViewHandlers } from '../../../src/core/k8s/controller-kube';
import { KubeClients } from '../../../src/core/k8s/kube-clients';
import { silentLogger } from '../../../src/core/log';
import { fakeHealth, forbidRealKubeClients } from '../../support/container-fakes';
import type { ServiceView } from '../../../src/core/service';
import { service } from '../../support/fixtures';

const NAMESPACE = 'metallb-system';
const tutorialConfigMap = (): k8s.V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'config', namespace: NAMESPACE },
  data: { config: 'address-pools:\n- name: my-ip-space\n  protocol: layer2\n  addresses:\n  - 192.168.1.240-192.168.1.250\n' },
});

function fakeKube(configMap: k8s.V1ConfigMap | undefined, existing: ServiceView[]) {
  const log: string[] = [];
  let handlers: ServiceViewHandlers | undefined;
  const kube: ControllerKube = {
    ensureMemberlistSecret: async () => {
      log.push('ensure memberlist Secret');
      return true;
    },
    namespaceLabels: () => ({ start: async () => void log.push('start namespaces'), stop: async () => void log.push('stop namespaces'), get: () => ({}) }),
    statusWriter: () => ({ writeStatus: async (svc, ips, pool) => void log.push(`status ${svc.namespace}/${svc.name} ${ips.join(',')} ${pool}`) }),
    events: () => ({ normal: (k, reason, msg) => log.push(`Normal ${k.name} ${reason} ${msg}`), warning: (k, reason, msg) => log.push(`Warning ${k.name} ${reason} ${msg}`) }),
    configStatus: () => ({ report: async (s) => void log.push(`config valid=${s.valid}`) }),
    poolStatus: () => ({ update: () => undefined, stop: async () => undefined }),
    configSource: (onSnapshot: (s: ConfigSnapshot) => void) => ({
      start: async () => {
        log.push('start config');
        onSnapshot({ configMap, objects: [] });
      },
      stop: async () => void log.push('stop config'),
    }),
    services: (h) => {
      handlers = h;
      return { start: async () => void log.push('start services'), stop: async () => void log.push('stop services'), items: () => existing };
    },
  };
  return { kube, log, upsert: (s: ServiceView) => handlers?.upsert(s) };
}

const opts = { namespace: NAMESPACE, metricsPort: 0, metricsHost: '127.0.0.1', logger: silentLogger(), configOptions: BUILTIN_PROTOCOLS };

test('the tutorial through fakes registered in the container: IP, event, config status, readiness; no real API client built', async () => {
  const fake = fakeKube(tutorialConfigMap(), [service('nginx')]);
  const health = fakeHealth(17472);
  const running = await runController(opts, (c) => {
    forbidRealKubeClients(c);
    c.register(TOKENS.controllerKube, { useValue: fake.kube });
    c.register(TOKENS.healthEndpoint, { useValue: health.factory });
  });
  expect(running.metricsPort).toBe(17472);
  expect(health.seen.listen).toEqual([0, '127.0.0.1']);
  expect(health.seen.checks?.ready()).toEqual({ ready: true, reasons: [] });
  fake.upsert(service('web'));
  await running.stop();
  const lines = (prefix: string) => fake.log.filter((l) => l.startsWith(prefix));
  expect(fake.log[0]).toBe('ensure memberlist Secret');
  expect(lines('start')).toEqual(['start namespaces', 'start config', 'start services']);
  expect(lines('config')).toEqual(['config valid=true']);
  expect(fake.log.filter((l) => l.startsWith('status') || l.startsWith('Normal'))).toEqual([
    'status default/nginx 192.168.1.240 my-ip-space',
    'Normal nginx IPAllocated Assigned IP ["192.168.1.240"]',
    'status default/web 192.168.1.241 my-ip-space',
    'Normal web IPAllocated Assigned IP ["192.168.1.241"]',
  ]);
  expect(lines('stop').sort()).toEqual(['stop config', 'stop namespaces', 'stop services']);
  expect(health.seen.closed).toBe(true);
});

test('with an invalid configuration the controller is not ready, says why and reports it', async () => {
  const bad = tutorialConfigMap();
  bad.data = { config: 'address-pools:\n- name: my-ip-space\n  protocol: layer2\n  addresses:\n  - not-an-address\n' };
  const fake = fakeKube(bad, [service('nginx')]);
  const health = fakeHealth(17472);
  const running = await runController(opts, (c) => {
    c.register(TOKENS.controllerKube, { useValue: fake.kube });
    c.register(TOKENS.healthEndpoint, { useValue: health.factory });
  });
  try {
    expect(health.seen.checks?.ready()).toEqual({ ready: false, reasons: ['no valid configuration loaded'] });
    expect(fake.log).toContain('config valid=false');
    expect(fake.log.filter((l) => l.startsWith('status'))).toEqual([]);
  } finally {
    await running.stop();
  }
});

test('the default container builds the Kubernetes adapters once, from its one set of API clients and namespace', () => {
  const c = controllerContainer({ ...opts, namespace: 'lb-system' });
  const clients = { kc: {}, core: {} } as unknown as KubeClients;
  c.register(KubeClients, { useValue: clients });
  const kube = c.resolve(TOKENS.controllerKube);
  expect(kube).toBeInstanceOf(KubeControllerAdapters);
  expect(c.resolve(TOKENS.controllerKube)).toBe(kube);
  expect(kube).toMatchObject({ clients, namespace: 'lb-system' });
  expect(c.resolve(TOKENS.metrics)).toBe(c.resolve(TOKENS.metrics));
  expect(c.resolve(TOKENS.eventQueue)).toBe(c.resolve(TOKENS.eventQueue));
  expect(controllerContainer(opts).resolve(TOKENS.metrics)).not.toBe(c.resolve(TOKENS.metrics));
});
