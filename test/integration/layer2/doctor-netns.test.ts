// doctor with real speakers in node namespaces: memberlist 7946 blocked between nodes, a pool off every subnet, a BGP peer that refuses.
import * as yaml from 'js-yaml';
import { haveBinaries } from '../../harness/bins';
import { useControlPlane } from '../../harness/jest-control-plane';
import { eventually, NAMESPACE } from '../../support/metallb-system';
import { runDoctor } from '../../../src/cli/commands/doctor';
import { runStatusSvc } from '../../../src/cli/commands/status';
import type { DoctorReport } from '../../../src/diagnose/doctor';
import type { CheckResult } from '../../../src/diagnose/doctor-checks';
import type { ServiceStatusReport } from '../../../src/diagnose/service-status';
import { electionOrder } from '../../../plugins/layer2/owner-election';
import { canRunNetns, haveTool } from './netns-lab';
import { SpeakerCluster } from './speaker-cluster';

const NAMES = ['node-a', 'node-b', 'node-c'];
const VIP = '192.168.1.240';
const enabled = canRunNetns() && haveTool('nft') && haveBinaries(['etcd', 'kube-apiserver', 'kubectl']);
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

const pool = (name: string, addresses: string): string =>
  yaml.dump({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name, namespace: NAMESPACE }, spec: { addresses: [addresses] } }) +
  '---\n' +
  yaml.dump({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name, namespace: NAMESPACE }, spec: { ipAddressPools: [name] } });

d('doctor with real speakers in namespaces', () => {
  jest.setTimeout(200_000);
  const cp = useControlPlane();
  const cluster = new SpeakerCluster(cp, NAMES, 'opsdoc');
  const apply = (manifest: string): Promise<string> => cp.kubectlOk(['apply', '-f', '-'], { input: manifest });

  async function check(name: string): Promise<CheckResult> {
    let out = '';
    await runDoctor({ kubeconfig: cp.get().kubeconfigPath, namespace: NAMESPACE, output: 'json' }, { stdout: (t) => (out += t), stderr: (l) => (out += l) });
    const c = (JSON.parse(out) as DoctorReport).checks.find((x) => x.check === name);
    if (!c) throw new Error(`no check ${name}`);
    return c;
  }

  /** Speakers republish their ConfigurationState every 10 s when something changed; allow a few rounds. */
  const until = (name: string, verdict: string, pred: (c: CheckResult) => boolean = () => true): Promise<CheckResult> =>
    eventually(`doctor ${name} ${verdict}`, async () => {
      const c = await check(name);
      return c.verdict === verdict && pred(c) ? c : undefined;
    }, 90_000, 1000);

  /** Drops memberlist traffic (TCP and UDP 7946) into and out of `node`'s namespace. */
  function block7946(node: string, on: boolean): void {
    const ns = cluster.node(node).ns;
    if (on) {
      cluster.lab.exec(ns, 'nft', ['add', 'table', 'inet', 'opsdoc']);
      cluster.lab.exec(ns, 'nft', ['add', 'chain', 'inet', 'opsdoc', 'in', '{ type filter hook input priority 0 ; }']);
      cluster.lab.exec(ns, 'nft', ['add', 'chain', 'inet', 'opsdoc', 'out', '{ type filter hook output priority 0 ; }']);
      for (const chain of ['in', 'out']) {
        for (const proto of ['tcp', 'udp']) {
          for (const dir of ['dport', 'sport']) {
            const r = cluster.lab.exec(ns, 'nft', ['add', 'rule', 'inet', 'opsdoc', chain, proto, dir, '7946', 'drop']);
            if (r.code !== 0) throw new Error(`nft: ${r.stderr}`);
          }
        }
      }
    } else {
      cluster.lab.exec(ns, 'nft', ['delete', 'table', 'inet', 'opsdoc']);
    }
  }

  beforeAll(async () => {
    // Speakers inherit this: a node alone re-joins every 2 s (default 60 s, as MetalLB), so healing is quick to observe.
    process.env.METALLBTS_PLUGIN_OPTIONS = JSON.stringify([{ module: 'layer2', protocol: 'layer2', options: { memberlist: { rejoinMs: 2000 } } }]);
    await cluster.upKeepingLogsOnFailure([VIP], async () => {
      await apply(pool('lan-pool', `${VIP}/32`));
      await apply(yaml.dump({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'nginx', namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'nginx' }, ports: [{ port: 80 }] } }));
      await apply(yaml.dump({
        apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
        metadata: { name: 'nginx-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'nginx' } },
        addressType: 'IPv4', ports: [{ port: 80, protocol: 'TCP' }],
        endpoints: NAMES.map((n, i) => ({ addresses: [`10.244.${i}.10`], nodeName: n, conditions: { ready: true } })),
      }));
      await cluster.setIngress('nginx', VIP);
    });
  }, 240_000);

  afterAll(() => {
    delete process.env.METALLBTS_PLUGIN_OPTIONS;
    for (const n of NAMES) block7946(n, false);
    cluster.finish('doctor netns test');
  });

  it('status svc names the elected node from its ServiceL2Status and the others as standbys', async () => {
    const owner = electionOrder(NAMES, VIP)[0];
    const standby = new RegExp(`^standby: ${owner} wins the election for ${VIP.replace(/\./g, '\\.')}`);
    let report: ServiceStatusReport | undefined;
    // Speakers republish their members every 10 s: right after start a report may still show a speaker alone.
    await eventually('nginx announced, the others standby', async () => {
      let out = '';
      const code = await runStatusSvc({ target: 'default/nginx', kubeconfig: cp.get().kubeconfigPath, namespace: NAMESPACE, output: 'json' }, { stdout: (t) => (out += t), stderr: () => undefined });
      report = code === 0 ? (JSON.parse(out) as ServiceStatusReport) : undefined;
      return report?.protocols.layer2?.slice(1).every((v) => standby.test(v.reason)) ? true : undefined;
    }, 40_000, 500).catch(() => undefined);
    if (!report) throw new Error('status svc never reported nginx announced');
    expect(report.protocols.layer2?.[0]).toMatchObject({ node: owner, announcing: true, interfaces: ['eth0'] });
    for (const v of report.protocols.layer2!.slice(1)) expect(v.reason).toMatch(standby);
  });

  it('memberlist reachability: 7946 blocked on node-c names the broken pairs; unblocked is green', async () => {
    const green = await until('memberlist-reachability', 'ok');
    expect(green.evidence).toContain('3 speaker(s) all see each other');
    block7946('node-c', true);
    try {
      // Each survivor notices node-c's silence on its own schedule: wait until both have.
      const c = await until('memberlist-reachability', 'fail', (x) => x.evidence.includes('node-a does not see node-c') &&
        x.evidence.includes('node-b does not see node-c') && x.evidence.includes('node-c does not see node-a'));
      expect(c.evidence).toContain('node-b does not see node-c');
      expect(c.evidence).not.toContain('node-a does not see node-b');
      expect(c.fix).toContain('7946');
    } finally {
      block7946('node-c', false);
    }
    await until('memberlist-reachability', 'ok');
  });

  it('a layer2 pool on no node subnet warns; moved onto the LAN it is green', async () => {
    expect((await until('layer2-subnets', 'ok')).evidence).toContain('lan-pool: node-a, node-b, node-c');
    await apply(pool('off-lan', '10.99.0.0/28'));
    const c = await until('layer2-subnets', 'warn');
    expect(c.evidence).toContain('pool off-lan (10.99.0.0/28) is on no node\'s subnet');
    await apply(pool('off-lan', '192.168.1.200/29'));
    await until('layer2-subnets', 'ok');
  });

  it('a BGP peer that refuses: the session per node is reported down; removing the wrong peer is green', async () => {
    // The client namespace has nothing on TCP 179: every connect is refused.
    await apply([
      yaml.dump({ apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', metadata: { name: 'refusing', namespace: NAMESPACE }, spec: { myASN: 64500, peerASN: 64501, peerAddress: '192.168.1.100' } }),
      yaml.dump({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'bgp-pool', namespace: NAMESPACE }, spec: { addresses: ['10.20.0.0/28'] } }),
      yaml.dump({ apiVersion: 'metallb.io/v1beta1', kind: 'BGPAdvertisement', metadata: { name: 'bgp-pool', namespace: NAMESPACE }, spec: { ipAddressPools: ['bgp-pool'] } }),
    ].join('---\n'));
    const c = await until('bgp-sessions', 'fail', (x) => NAMES.every((n) => x.evidence.includes(`${n}→refusing`)));
    expect(c.evidence).not.toContain('Established');
    await cp.kubectlOk(['-n', NAMESPACE, 'delete', 'bgppeer', 'refusing']);
    const after = await eventually('bgp-sessions no longer failing', async () => {
      const x = await check('bgp-sessions');
      return x.verdict !== 'fail' ? x : undefined;
    }, 60_000, 1000);
    expect(['ok', 'skip', 'warn']).toContain(after.verdict);
  });
});
