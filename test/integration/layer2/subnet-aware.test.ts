// Subnet-aware layer 2 with real speakers: two LANs, a pool on the second; only nodes on that LAN announce, on that interface.
import * as yaml from 'js-yaml';
import { haveBinaries } from '../../harness/bins';
import { useControlPlane } from '../../harness/jest-control-plane';
import { eventually, NAMESPACE } from '../../support/metallb-system';
import { electionOrder } from '../../../plugins/layer2/owner-election';
import { canRunNetns, haveTool, must, sleep } from './netns-lab';
import { arpingReplyMacs } from './owner-view';
import { SpeakerCluster } from './speaker-cluster';

const NAMES = ['node-a', 'node-b', 'node-c'];
/** node-b and node-c also sit on LAN 2 (eth1); node-a only on LAN 1. */
const LAN2 = { 'node-b': { ip: '192.168.2.11', mac: '02:00:00:00:02:0b' }, 'node-c': { ip: '192.168.2.12', mac: '02:00:00:00:02:0c' } } as const;
/** MetalLB's hash order for this IP puts node-a first: without subnet awareness node-a (not on LAN 2) would win. */
const VIP2 = '192.168.2.204';
const enabled = canRunNetns() && haveTool('arping') && haveBinaries(['etcd', 'kube-apiserver', 'kubectl']);
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

d('subnet-aware layer 2 with two LANs', () => {
  jest.setTimeout(120_000);
  const cp = useControlPlane();
  const cluster = new SpeakerCluster(cp, NAMES, 'opssub');
  // Inside the cluster's prefix: L2Lab.down() removes these too, even after a failure.
  const br2 = `${cluster.lab.prefix}-br2`;
  const client2 = `${cluster.lab.prefix}-c2`;
  const apply = (manifest: string): Promise<string> => cp.kubectlOk(['apply', '-f', '-'], { input: manifest });

  /** LAN 2: its own bridge namespace, eth1 on node-b and node-c, and a client at 192.168.2.100. */
  function lan2Up(): void {
    must('ip', ['netns', 'add', br2]);
    must('ip', ['-n', br2, 'link', 'add', 'br0', 'type', 'bridge']);
    must('ip', ['-n', br2, 'link', 'set', 'br0', 'up']);
    const hosts: Array<[string, string, string, string]> = [
      ...Object.entries(LAN2).map(([n, h]): [string, string, string, string] => [cluster.node(n).ns, 'eth1', h.ip, h.mac]),
    ];
    must('ip', ['netns', 'add', client2]);
    hosts.push([client2, 'eth0', '192.168.2.100', '02:00:00:00:02:64']);
    for (const [i, [ns, dev, ip, mac]] of hosts.entries()) {
      must('ip', ['-n', br2, 'link', 'add', `q${i}`, 'type', 'veth', 'peer', 'name', dev, 'netns', ns]);
      must('ip', ['-n', br2, 'link', 'set', `q${i}`, 'master', 'br0', 'up']);
      must('ip', ['-n', ns, 'link', 'set', dev, 'address', mac]);
      must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      must('ip', ['-n', ns, 'link', 'set', dev, 'up']);
      must('ip', ['-n', ns, 'addr', 'add', `${ip}/24`, 'dev', dev]);
    }
  }

  async function arping(vip: string): Promise<string[]> {
    const r = await cluster.lab.execAsync(client2, 'arping', ['-c', '3', '-W', '0.2', '-w', '3', '-i', 'eth0', vip], 15_000);
    return arpingReplyMacs(r.stdout);
  }

  beforeAll(async () => {
    await cluster.upKeepingLogsOnFailure([VIP2], async () => {
      lan2Up();
      await apply([
        yaml.dump({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'lan2', namespace: NAMESPACE }, spec: { addresses: [`${VIP2}/32`] } }),
        yaml.dump({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'lan2', namespace: NAMESPACE }, spec: { ipAddressPools: ['lan2'] } }),
        yaml.dump({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web2', namespace: 'default' }, spec: { type: 'LoadBalancer', selector: { app: 'web2' }, ports: [{ port: 80 }] } }),
        yaml.dump({
          apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice',
          metadata: { name: 'web2-x', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web2' } },
          addressType: 'IPv4', ports: [{ port: 80, protocol: 'TCP' }],
          endpoints: NAMES.map((n, i) => ({ addresses: [`10.244.${i}.10`], nodeName: n, conditions: { ready: true } })),
        }),
      ].join('---\n'));
      await cluster.setIngress('web2', VIP2);
    });
  }, 240_000);

  afterAll(() => {
    cluster.finish('subnet-aware test');
  });

  it('the VIP is one MetalLB would give node-a', () => {
    expect(electionOrder(NAMES, VIP2)[0]).toBe('node-a');
  });

  it('only a node on LAN 2 announces the LAN 2 VIP, on eth1, and the LAN 2 client gets its eth1 MAC', async () => {
    // MetalLB's order among all three could pick node-a (not on LAN 2); subnet-aware picks among node-b and node-c.
    const owner = electionOrder(['node-b', 'node-c'], VIP2)[0] as keyof typeof LAN2;
    interface L2Status { status?: { node?: string; interfaces?: Array<{ name: string }> } }
    let last: L2Status[] = [];
    await eventually(`ServiceL2Status of web2 on ${owner} only`, async () => {
      last = (await cp.kubectlJson<{ items: L2Status[] }>(['-n', NAMESPACE, 'get', 'servicel2statuses', '-l', 'metallb.io/service-name=web2'])).items;
      return last.length === 1 && last[0]!.status?.node === owner ? true : undefined;
    }, 60_000, 500).catch(() => undefined);
    if (last.length !== 1 || last[0]!.status?.node !== owner) cluster.failed = true;
    expect(last.map((i) => i.status)).toEqual([{ node: owner, serviceName: 'web2', serviceNamespace: 'default', interfaces: [{ name: 'eth1' }] }]);
    // Settled: every reply from the owner's eth1, over a few rounds.
    let macs: string[] = [];
    for (let i = 0; i < 20; i++) {
      macs = await arping(VIP2);
      if (macs.length > 0 && macs.every((m) => m === LAN2[owner].mac)) break;
      await sleep(500);
    }
    expect(macs.length).toBeGreaterThan(0);
    expect(new Set(macs)).toEqual(new Set([LAN2[owner].mac]));
  });
});
