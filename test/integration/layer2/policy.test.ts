// Layer 2 ownership policies end to end: real speakers (memberlist, ARP responder) in node namespaces, a real apiserver, the client's arping/ping deciding who owns each VIP.
import { createHash } from 'node:crypto';
import * as yaml from 'js-yaml';
import { haveBinaries } from '../../harness/bins';
import { useControlPlane } from '../../harness/jest-control-plane';
import { eventually, NAMESPACE } from '../../support/metallb-system';
import { electionOrder } from '../../../plugins/layer2/owner-election';
import { canRunNetns, haveTool } from './netns-lab';
import { observeSettled } from './owner-view';
import { SpeakerCluster } from './speaker-cluster';
import { readyEndpointSlice } from '../endpoint-slice';

const NAMES = ['node-a', 'node-b', 'node-c'];
const EXCLUDE = 'node.kubernetes.io/exclude-from-external-load-balancers';
/** One pool (a single IP) and one L2Advertisement per scenario, so changing one leaves the others alone. */
const SVC = {
  local: { vip: '192.168.1.240', pool: 'local-pool' },
  selected: { vip: '192.168.1.241', pool: 'selected-pool' },
  plain: { vip: '192.168.1.242', pool: 'plain-pool' },
} as const;
type SvcName = keyof typeof SVC;

const enabled = canRunNetns() && haveTool('arping') && haveTool('ping') && haveBinaries(['etcd', 'kube-apiserver', 'kubectl']);
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

/** MetalLB's layer2 order, computed here independently of the product: sha256("node#ip") ascending, bytewise. */
function shaOrder(ip: string): [string, string, string] {
  const h = (n: string): Buffer => createHash('sha256').update(`${n}#${ip}`).digest();
  const [first, second, third] = [...NAMES].sort((a, b) => Buffer.compare(h(a), h(b)));
  if (first === undefined || second === undefined || third === undefined) throw new Error('three node names expected');
  return [first, second, third];
}

function poolAndAdvertisement(name: SvcName, nodeSelector?: string): string {
  const { vip, pool } = SVC[name];
  return yaml.dump({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: pool, namespace: NAMESPACE }, spec: { addresses: [`${vip}/32`] } }) +
    '---\n' +
    advertisement(name, nodeSelector);
}

function advertisement(name: SvcName, nodeSelector?: string): string {
  const spec = { ipAddressPools: [SVC[name].pool], ...(nodeSelector ? { nodeSelectors: [{ matchLabels: { 'kubernetes.io/hostname': nodeSelector } }] } : {}) };
  return yaml.dump({ apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name, namespace: NAMESPACE }, spec });
}

function serviceManifest(name: SvcName, policy: 'Local' | 'Cluster'): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default' },
    spec: { type: 'LoadBalancer', externalTrafficPolicy: policy, selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  });
}

/** What the EndpointSlice controller would write: one ready endpoint on each of `nodes`. */
function endpointSlice(name: SvcName, nodes: string[]): string {
  return yaml.dump(readyEndpointSlice(name, nodes.map((n) => ({ nodeName: n, address: `10.244.${NAMES.indexOf(n)}.10` }))));
}

d('layer2 ownership policies with real speakers, seen from a client namespace', () => {
  // Each step polls for at most 20 s (observeSettled) before its assertions; a test has several steps.
  jest.setTimeout(150_000);
  const cp = useControlPlane();
  const cluster = new SpeakerCluster(cp, NAMES, 'pol');

  const apply = (manifest: string): Promise<string> => cp.kubectlOk(['apply', '-f', '-'], { input: manifest });
  const mac = (node: string): string => cluster.node(node).mac;

  /** Settled owner seen by the client: every ARP reply and the neighbour entry after a ping. */
  async function expectOwner(svc: SvcName, node: string): Promise<void> {
    const seen = await observeSettled(cluster.lab, SVC[svc].vip, mac(node));
    const named = { arp: seen.arpMacs.map((m) => cluster.nameOf(m)), neigh: cluster.nameOf(seen.neighMac), polls: seen.polls };
    process.stdout.write(`layer2 policy: ${svc} (${SVC[svc].vip}) → ${node}: arping ${named.arp.join(',') || 'no reply'}; neighbour ${named.neigh ?? 'none'}; settled in ${seen.settledMs} ms (${seen.polls} polls)\n`);
    if (new Set(seen.arpMacs).size !== 1 || seen.arpMacs[0] !== mac(node) || seen.neighMac !== mac(node)) {
      cluster.failed = true;
      process.stdout.write(`${svc}: expected ${node}, saw ${JSON.stringify(named)}\n${cluster.tails()}\n`);
    }
    // Every reply (≥ 3 of 5 requests) from the one owner, nobody else; and the kernel resolved the VIP to it.
    expect(seen.arpMacs.length).toBeGreaterThanOrEqual(3);
    expect(named.arp.filter((n) => n !== node)).toEqual([]);
    expect(named.neigh).toBe(node);
  }

  /** The ServiceL2Status objects of `svc` name exactly `node` (the old owner deleted its own). */
  async function expectStatusNode(svc: SvcName, node: string): Promise<void> {
    interface L2Status { status?: { node?: string } }
    let last: Array<string | undefined> = [];
    await eventually(
      `ServiceL2Status of ${svc} on ${node} only`,
      async () => {
        const list = await cp.kubectlJson<{ items: L2Status[] }>(['-n', NAMESPACE, 'get', 'servicel2statuses', '-l', `metallb.io/service-name=${svc}`]);
        last = list.items.map((i) => i.status?.node);
        return last.length === 1 && last[0] === node ? true : undefined;
      },
      20_000,
      250,
    ).catch(() => undefined);
    // The nodes named by the last list seen (the assertion shows them when the wait ran out).
    expect(last).toEqual([node]);
  }

  const patchNodeStatus = (node: string, networkUnavailable: boolean): Promise<string> =>
    cp.kubectlOk(['patch', 'node', node, '--subresource=status', '--type=strategic', '-p', JSON.stringify({
      status: { conditions: [{ type: 'NetworkUnavailable', status: networkUnavailable ? 'True' : 'False', reason: 'PolicyTest', message: 'set by the test', lastTransitionTime: new Date().toISOString() }] },
    })]);

  beforeAll(async () => {
    await cluster.upKeepingLogsOnFailure(Object.values(SVC).map((s) => s.vip), async () => {
      const local = shaOrder(SVC.local.vip);
      const selected = shaOrder(SVC.selected.vip);
      await apply([poolAndAdvertisement('local'), poolAndAdvertisement('selected', selected[2]), poolAndAdvertisement('plain')].join('---\n'));
      // ETP Local starts on the node MetalLB's hash would pick second, so hash order alone cannot explain the owner.
      await apply([serviceManifest('local', 'Local'), endpointSlice('local', [local[1]])].join('---\n'));
      await apply([serviceManifest('selected', 'Cluster'), endpointSlice('selected', NAMES)].join('---\n'));
      await apply([serviceManifest('plain', 'Cluster'), endpointSlice('plain', NAMES)].join('---\n'));
      for (const name of Object.keys(SVC) as SvcName[]) {
        await cluster.setIngress(name, SVC[name].vip);
      }
    });
  }, 240_000);

  afterAll(() => {
    cluster.finish('policy test');
  });

  it('the hash order the test computes is the product\'s', () => {
    for (const { vip } of Object.values(SVC)) expect(electionOrder(NAMES, vip)).toEqual(shaOrder(vip));
  });

  it('externalTrafficPolicy Local: only the node with the ready endpoint answers; moving the endpoint moves ownership', async () => {
    const [first, second, third] = shaOrder(SVC.local.vip);
    await expectOwner('local', second);
    await expectStatusNode('local', second);
    await apply(endpointSlice('local', [third]));
    await expectOwner('local', third);
    await expectStatusNode('local', third);
    await apply(endpointSlice('local', [first]));
    await expectOwner('local', first);
  });

  it('L2Advertisement nodeSelectors: only the selected node answers; changing the selector moves ownership', async () => {
    const [, second, third] = shaOrder(SVC.selected.vip);
    await expectOwner('selected', third);
    await expectStatusNode('selected', third);
    await apply(advertisement('selected', second));
    await expectOwner('selected', second);
    await expectStatusNode('selected', second);
  });

  it('exclude-from-external-load-balancers label: ownership moves away; removing it restores the hash-order owner', async () => {
    const [first, second] = shaOrder(SVC.plain.vip);
    await expectOwner('plain', first);
    await cp.kubectlOk(['label', 'node', first, `${EXCLUDE}=`]);
    await expectOwner('plain', second);
    await expectStatusNode('plain', second);
    await cp.kubectlOk(['label', 'node', first, `${EXCLUDE}-`]);
    await expectOwner('plain', first);
    await expectStatusNode('plain', first);
  });

  it('NodeCondition NetworkUnavailable=True: ownership moves away; False brings it back', async () => {
    const [first, second] = shaOrder(SVC.plain.vip);
    await expectOwner('plain', first);
    await patchNodeStatus(first, true);
    await expectOwner('plain', second);
    await expectStatusNode('plain', second);
    await patchNodeStatus(first, false);
    await expectOwner('plain', first);
  });
});
