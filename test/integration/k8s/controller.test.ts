// The controller against a real kube-apiserver, running as its least-privilege ServiceAccount.
import * as yaml from 'js-yaml';
import { useControlPlane } from '../../harness/jest-control-plane';
import { eventually, httpGetText, metallbObjectYaml, NAMESPACE } from '../../support/metallb-system';
import { layer2ConfigMap } from '../../support/layer2-config-map';
import { useTestController } from './controller-fixture';

const cp = useControlPlane({ serviceClusterIpRange: '10.96.0.0/16,fd00:10:96::/112' });

interface Svc {
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  status?: { loadBalancer?: { ingress?: Array<{ ip: string }> } };
}

const tutorialConfig = (): string =>
  layer2ConfigMap(
    '192.168.1.240-192.168.1.250',
    `    - name: bulk
      protocol: layer2
      auto-assign: false
      addresses: [10.10.0.0/22]
`,
  );

function serviceYaml(name: string, namespace = 'default', opts: { annotations?: Record<string, string>; spec?: Record<string, unknown>; port?: number; protocol?: string } = {}): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace, annotations: opts.annotations ?? {} },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ name: 'p', port: opts.port ?? 80, protocol: opts.protocol ?? 'TCP' }], ...(opts.spec ?? {}) },
  });
}

async function ingressOf(name: string, namespace = 'default'): Promise<string[]> {
  const s = await cp.kubectlJson<Svc>(['-n', namespace, 'get', 'svc', name]);
  return (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
}

const ipOf = (name: string, namespace = 'default'): Promise<string[]> =>
  eventually(`IP for ${namespace}/${name}`, async () => {
    const ips = await ingressOf(name, namespace);
    return ips.length ? ips : undefined;
  });

const controller = useTestController(cp, tutorialConfig);

describe('controller against a real apiserver', () => {
  test('tutorial: nginx gets 192.168.1.240, IPAllocated event, EXTERNAL-IP in kubectl get svc', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], { input: serviceYaml('nginx') });
    expect(await ipOf('nginx')).toEqual(['192.168.1.240']);
    const svc = await cp.kubectlJson<Svc>(['get', 'svc', 'nginx']);
    expect(svc.metadata.annotations?.['metallb.io/ip-allocated-from-pool']).toBe('my-ip-space');
    const events = await eventually('IPAllocated event', async () => {
      const out = await cp.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=nginx', '-o', 'custom-columns=TYPE:.type,REASON:.reason,MSG:.message', '--no-headers']);
      return out.includes('IPAllocated') ? out : undefined;
    });
    expect(events).toMatch(/Normal\s+IPAllocated\s+Assigned IP \["192\.168\.1\.240"\]/);
    const table = await cp.kubectlOk(['get', 'svc', 'nginx']);
    expect(table.split('\n')[1]).toMatch(/^nginx\s+LoadBalancer\s+10\.96\.\S+\s+192\.168\.1\.240\s+80:\d+\/TCP/);
  });

  test('the memberlist Secret is created with a 22-character secretkey', async () => {
    const s = await cp.kubectlJson<{ data: { secretkey: string } }>(['-n', NAMESPACE, 'get', 'secret', 'memberlist']);
    expect(Buffer.from(s.data.secretkey, 'base64').toString()).toMatch(/^[A-Za-z0-9+/]{22}$/);
  });

  test('requested IP (metallb.io/loadBalancerIPs) and pool annotation (address-pool)', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: [
        serviceYaml('wants-245', 'default', { annotations: { 'metallb.io/loadBalancerIPs': '192.168.1.245' } }),
        serviceYaml('from-bulk', 'default', { annotations: { 'metallb.universe.tf/address-pool': 'bulk' } }),
      ].join('---\n'),
    });
    expect(await ipOf('wants-245')).toEqual(['192.168.1.245']);
    expect(await ipOf('from-bulk')).toEqual(['10.10.0.0']);
  });

  test('IP sharing: same allow-shared-ip key, different ports → same IP; port clash → refused', async () => {
    const shared = { 'metallb.io/allow-shared-ip': 'web', 'metallb.io/loadBalancerIPs': '192.168.1.250' };
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: [
        serviceYaml('web-http', 'default', { annotations: shared, port: 80, spec: { selector: { app: 'web' } } }),
        serviceYaml('web-https', 'default', { annotations: shared, port: 443, spec: { selector: { app: 'web' } } }),
        serviceYaml('web-clash', 'default', { annotations: shared, port: 80, spec: { selector: { app: 'web' } } }),
      ].join('---\n'),
    });
    expect(await ipOf('web-http')).toEqual(['192.168.1.250']);
    expect(await ipOf('web-https')).toEqual(['192.168.1.250']);
    const ev = await eventually('AllocationFailed for web-clash', async () => {
      const out = await cp.kubectlOk(['get', 'events', '--field-selector', 'involvedObject.name=web-clash,reason=AllocationFailed', '-o', 'jsonpath={.items[*].message}']);
      return out ? out : undefined;
    });
    expect(ev).toContain('Failed to allocate IP for "default/web-clash"');
    expect(await ingressOf('web-clash')).toEqual([]);
  });

  test('loadBalancerClass: a Service of another class is left alone', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], { input: serviceYaml('other-class', 'default', { spec: { loadBalancerClass: 'example.com/other' } }) });
    await cp.kubectlOk(['apply', '-f', '-'], { input: serviceYaml('after-other-class') });
    await ipOf('after-other-class');
    expect(await ingressOf('other-class')).toEqual([]);
  });

  test('namespace-scoped pool (IPAddressPool serviceAllocation.namespaces) alongside the ConfigMap', async () => {
    await cp.kubectlOk(['create', 'namespace', 'team-a']);
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: `${metallbObjectYaml('IPAddressPool', 'team-a-pool', { addresses: ['172.20.0.10-172.20.0.20'], serviceAllocation: { priority: 1, namespaces: ['team-a'] } })}
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: team-a
  namespace: ${NAMESPACE}
spec:
  ipAddressPools: [team-a-pool]
`,
    });
    await new Promise((r) => setTimeout(r, 1000));
    await cp.kubectlOk(['apply', '-f', '-'], { input: serviceYaml('svc-a', 'team-a') + '---\n' + serviceYaml('svc-default-2') });
    expect(await ipOf('svc-a', 'team-a')).toEqual(['172.20.0.10']);
    expect((await ipOf('svc-default-2'))[0]).toMatch(/^192\.168\.1\./);
  });

  test('dual-stack: RequireDualStack gets one IPv4 and one IPv6 from one pool', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: metallbObjectYaml('IPAddressPool', 'dual', { autoAssign: false, addresses: ['10.30.0.0/24', 'fd00:30::/120'] }),
    });
    await new Promise((r) => setTimeout(r, 1000));
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: serviceYaml('dual', 'default', { annotations: { 'metallb.io/address-pool': 'dual' }, spec: { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'] } }),
    });
    expect(await ipOf('dual')).toEqual(['10.30.0.0', 'fd00:30::']);
  });

  test('invalid config on top of a valid one: nothing changes, error names the field, stale = 1; fixing recovers', async () => {
    const before = await ingressOf('nginx');
    await cp.kubectlOk(['apply', '-f', '-'], { input: tutorialConfig().replace('192.168.1.240-192.168.1.250', '192.168.1.300/28') });
    const metricsUrl = `http://127.0.0.1:${controller.running?.metricsPort}/metrics`;
    await eventually('stale metric 1', async () => ((await httpGetText(metricsUrl)).includes('metallb_k8s_client_config_stale_bool 1') ? true : undefined));
    const state = await eventually('ConfigurationState invalid', async () => {
      const s = await cp.kubectlJson<{ status?: { result?: string; errorSummary?: string } }>(['-n', NAMESPACE, 'get', 'configurationstates', 'controller']);
      return s.status?.result === 'Invalid' ? s.status : undefined;
    });
    expect(state.errorSummary).toContain('address-pools[0].addresses[0]');
    expect(state.errorSummary).toContain('192.168.1.300/28');
    // The last good config stays in force: existing IPs kept, a new Service still allocates from it.
    await cp.kubectlOk(['apply', '-f', '-'], { input: serviceYaml('during-stale') });
    expect((await ipOf('during-stale'))[0]).toMatch(/^192\.168\.1\.2(4\d|50)$/);
    expect(await ingressOf('nginx')).toEqual(before);
    await cp.kubectlOk(['apply', '-f', '-'], { input: tutorialConfig() });
    await eventually('stale metric 0', async () => ((await httpGetText(metricsUrl)).includes('metallb_k8s_client_config_stale_bool 0') ? true : undefined));
  });

  test('controller restart with 200 Services: no Service changes IP', async () => {
    await cp.kubectlOk(['create', 'namespace', 'bulk']);
    const docs = Array.from({ length: 200 }, (_, i) => serviceYaml(`s${i}`, 'bulk', { annotations: { 'metallb.io/address-pool': 'bulk' } }));
    await cp.kubectlOk(['apply', '-f', '-'], { input: docs.join('---\n'), timeoutMs: 120_000 });
    const snapshot = async (): Promise<Record<string, string>> => {
      const list = await cp.kubectlJson<{ items: Svc[] }>(['-n', 'bulk', 'get', 'svc']);
      return Object.fromEntries(list.items.map((s) => [s.metadata.name, (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).join(',')]));
    };
    const before = await eventually('200 IPs', async () => {
      const s = await snapshot();
      return Object.values(s).filter((v) => v).length === 200 ? s : undefined;
    }, 60_000, 500);
    const s0ip = before.s0;
    await controller.running?.stop();
    // Delete one Service while the controller is down, so the restarted one sees a gap it must not fill by shifting others.
    await cp.kubectlOk(['-n', 'bulk', 'delete', 'svc', 's0']);
    await controller.start();
    await cp.kubectlOk(['apply', '-f', '-'], { input: serviceYaml('s-new', 'bulk', { annotations: { 'metallb.io/address-pool': 'bulk' } }) });
    await ipOf('s-new', 'bulk');
    const after = await snapshot();
    delete before.s0;
    for (const [name, ip] of Object.entries(before)) expect([name, after[name]]).toEqual([name, ip]);
    expect(after['s-new']).toBe(s0ip);
  }, 180_000);
});
