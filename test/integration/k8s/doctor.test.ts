// doctor and status svc against a real apiserver: each broken condition is created, its verdict asserted, then fixed and green.
import { execFile } from 'node:child_process';
import * as yaml from 'js-yaml';
import { binPath } from '../../harness/bins';
import { useControlPlane } from '../../harness/jest-control-plane';
import type { RunningController } from '../../../src/core/controller/run-controller';
import type { RunningSpeaker } from '../../../src/core/speaker/run-speaker';
import { PluginRegistry } from '../../../src/core/plugins/registry';
import { runDoctor } from '../../../src/cli/commands/doctor';
import { runStatusSvc } from '../../../src/cli/commands/status';
import type { DoctorReport } from '../../../src/diagnose/doctor';
import type { ServiceStatusReport } from '../../../src/diagnose/service-status';
import { electionOrder } from '../../../plugins/layer2/owner-election';
import { recordingPlugin } from '../../support/recording-plugin';
import { eventually, installMetallbSystem, NAMESPACE } from '../../support/metallb-system';
import { startTestController } from '../../support/test-controller';
import { layer2ConfigMap } from '../../support/layer2-config-map';
import { startTestSpeaker } from './test-speaker';

const cp = useControlPlane();
const NODES = ['node-a', 'node-b'];
let controller: RunningController | undefined;
const speakers: RunningSpeaker[] = [];
jest.setTimeout(60_000);

const service = (name: string): string =>
  yaml.dump({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80 }] } });

const nodeYaml = (name: string): string => yaml.dump({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name } } });

async function doctor(): Promise<{ code: number; report: DoctorReport; out: string }> {
  let out = '';
  const code = await runDoctor({ kubeconfig: cp.get().kubeconfigPath, namespace: NAMESPACE, output: 'json' }, { stdout: (t) => (out += t), stderr: (l) => (out += l) });
  return { code, report: JSON.parse(out) as DoctorReport, out };
}

async function verdictOf(check: string): Promise<{ verdict: string; evidence: string; fix?: string }> {
  const c = (await doctor()).report.checks.find((x) => x.check === check);
  if (!c) throw new Error(`doctor has no check ${check}`);
  return c;
}

/** Polls doctor until `check` has `verdict` (the components react to the change asynchronously). */
const until = (check: string, verdict: string): Promise<{ verdict: string; evidence: string; fix?: string }> =>
  eventually(`doctor ${check} ${verdict}`, async () => {
    const c = await verdictOf(check);
    return c.verdict === verdict ? c : undefined;
  }, 30_000, 500);

/** Runs a doctor fix line in bash, with `kubectl` bound to the harness kubectl and admin kubeconfig. */
function runFix(fix: string): Promise<string> {
  const script = `kubectl() { "${binPath('kubectl')}" --kubeconfig="${cp.get().kubeconfigPath}" "$@"; }\nset -e -o pipefail\n${fix}\n`;
  return new Promise((resolve, reject) => {
    execFile('bash', ['-c', script], { timeout: 30_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${fix}: ${stderr}`)) : resolve(stdout)));
  });
}

beforeAll(async () => {
  const kubeconfigs = await installMetallbSystem(cp);
  await cp.kubectlOk(['apply', '-f', '-'], { input: [layer2ConfigMap('192.168.1.240-192.168.1.241'), ...NODES.map(nodeYaml)].join('---\n') });
  controller = await startTestController(kubeconfigs.controller);
  for (const nodeName of NODES) {
    // Each speaker's layer2 stand-in announces only where MetalLB's election puts the Service.
    const l2 = recordingPlugin('layer2', ['arp']);
    l2.decide = (svc) => (electionOrder(NODES, svc.ingressIPs[0]!)[0] === nodeName ? { announce: true, reason: 'owner' } : { announce: false, reason: 'notOwner' });
    const registry = new PluginRegistry();
    registry.register(l2);
    registry.register(recordingPlugin('bgp'));
    speakers.push(await startTestSpeaker(kubeconfigs.speaker, nodeName, registry));
  }
}, 120_000);

afterAll(async () => {
  for (const s of speakers) await s.stop();
  await controller?.stop();
});

describe('status svc against a real apiserver', () => {
  test('names the node that announces nginx and why the other does not', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], { input: service('nginx') });
    const owner = electionOrder(NODES, '192.168.1.240')[0];
    const other = NODES.find((n) => n !== owner) as string;
    let out = '';
    const io = { stdout: (t: string) => (out += t), stderr: (l: string) => (out += l) };
    const report = await eventually('nginx announced', async () => {
      out = '';
      const code = await runStatusSvc({ target: 'default/nginx', kubeconfig: cp.get().kubeconfigPath, namespace: NAMESPACE, output: 'json' }, io);
      if (code !== 0) return undefined;
      const r = JSON.parse(out) as ServiceStatusReport;
      // The owner's ServiceL2Status may be read before its interfaces are written: wait for the whole report.
      return r.protocols.layer2?.some((p) => p.announcing && (p.interfaces ?? []).length > 0) ? r : undefined;
    });
    expect(report).toMatchObject({ service: 'default/nginx', pool: 'my-ip-space', ips: ['192.168.1.240'], problems: [] });
    expect(report.protocols.layer2?.[0]).toMatchObject({ node: owner, announcing: true, interfaces: ['eth0'] });
    // No EndpointSlice: the election on the reader's side needs one; the Service stays announced by its owner.
    expect(report.protocols.layer2?.[1]).toMatchObject({ node: other, announcing: false });
    out = '';
    expect(await runStatusSvc({ target: 'default/nginx', kubeconfig: cp.get().kubeconfigPath, namespace: NAMESPACE, output: 'table' }, io)).toBe(0);
    expect(out).toContain(`layer2: announced by ${owner}`);
    out = '';
    expect(await runStatusSvc({ target: 'default/missing', kubeconfig: cp.get().kubeconfigPath, namespace: NAMESPACE, output: 'table' }, io)).toBe(2);
    expect(out).toMatch(/not found/);
  });
});

describe('doctor against a real apiserver: break, see the verdict, fix, see green', () => {
  test('kube-proxy in IPVS mode without strictARP; the printed fix repairs it', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], {
      input: `
apiVersion: v1
kind: ConfigMap
metadata: { name: kube-proxy, namespace: kube-system }
data:
  config.conf: |
    apiVersion: kubeproxy.config.k8s.io/v1alpha1
    kind: KubeProxyConfiguration
    ipvs:
      strictARP: false
    mode: ipvs
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: kube-proxy, namespace: kube-system }
spec:
  selector: { matchLabels: { k8s-app: kube-proxy } }
  template:
    metadata: { labels: { k8s-app: kube-proxy } }
    spec: { containers: [{ name: kube-proxy, image: registry.k8s.io/kube-proxy:v1.33.0 }] }
`,
    });
    const broken = await verdictOf('kube-proxy');
    expect(broken).toMatchObject({ verdict: 'fail', evidence: expect.stringContaining('mode ipvs with strictARP: false') });
    expect(broken.fix).toContain('kubectl get configmap kube-proxy -n kube-system -o yaml | sed -e "s/strictARP: false/strictARP: true/" | kubectl apply -f - -n kube-system');
    expect((await doctor()).code).toBe(1);
    await runFix(broken.fix as string);
    expect(await verdictOf('kube-proxy')).toMatchObject({ verdict: 'ok', evidence: 'mode ipvs with strictARP: true' });
  });

  test('a node with the exclude label, and a node without a speaker', async () => {
    expect((await verdictOf('nodes')).verdict).toBe('ok');
    await cp.kubectlOk(['label', 'node', 'node-b', 'node.kubernetes.io/exclude-from-external-load-balancers=true']);
    await cp.kubectlOk(['apply', '-f', '-'], { input: nodeYaml('node-c') });
    const c = await verdictOf('nodes');
    expect(c.verdict).toBe('warn');
    expect(c.evidence).toContain('labelled node.kubernetes.io/exclude-from-external-load-balancers: node-b');
    expect(c.evidence).toContain('no speaker reported: node-c');
    await runFix((c.fix as string).split(' ; ')[0]!);
    await cp.kubectlOk(['delete', 'node', 'node-c']);
    expect((await verdictOf('nodes')).verdict).toBe('ok');
  });

  test('the memberlist Secret missing; the printed command re-creates it', async () => {
    expect((await verdictOf('memberlist-secret')).verdict).toBe('ok');
    await cp.kubectlOk(['-n', NAMESPACE, 'delete', 'secret', 'memberlist']);
    const c = await verdictOf('memberlist-secret');
    expect(c.verdict).toBe('fail');
    await runFix(c.fix as string);
    expect((await verdictOf('memberlist-secret')).verdict).toBe('ok');
  });

  test('an invalid config is reported per component from ConfigurationState; fixing it is green', async () => {
    expect((await verdictOf('config')).verdict).toBe('ok');
    await cp.kubectlOk(['apply', '-f', '-'], { input: layer2ConfigMap('192.168.1.300/28') });
    const c = await until('config', 'fail');
    expect(c.evidence).toContain('192.168.1.300/28');
    const components = await eventually('controller and speakers report Invalid', async () => {
      const e = (await verdictOf('config')).evidence;
      return e.includes('controller:') && e.includes('speaker-node-a:') && e.includes('speaker-node-b:') ? e : undefined;
    });
    expect(components).toMatch(/controller: .*192\.168\.1\.300\/28/);
    await cp.kubectlOk(['apply', '-f', '-'], { input: layer2ConfigMap('192.168.1.240-192.168.1.241') });
    await until('config', 'ok');
  });

  test('an exhausted pool and the Service left pending, with the allocator\'s reason', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], { input: [service('web'), service('extra')].join('---\n') });
    const pending = await until('pending-services', 'fail');
    expect(pending.evidence).toMatch(/default\/extra: .*(no available IPs|exhausted|no IP)/i);
    expect(await until('pool-usage', 'fail')).toMatchObject({ evidence: 'exhausted: my-ip-space 2/2' });
    await cp.kubectlOk(['apply', '-f', '-'], { input: layer2ConfigMap('192.168.1.240-192.168.1.250') });
    await until('pending-services', 'ok');
    expect(await until('pool-usage', 'ok')).toMatchObject({ evidence: 'in use: my-ip-space 3/11' });
  });
});
