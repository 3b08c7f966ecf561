// The real-cluster migration proof: MetalLB (its chart, images built here) replaced by metallbts node by node under traffic.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ChartRelease, chartPath, RELEASE } from '../../src/lab/chart-release';
import { LabKubectl } from '../../src/lab/kubectl';
import { LabCluster } from '../../src/lab/lab-cluster';
import { LabNode } from '../../src/lab/lab-node';
import { tutorialNginxManifest } from '../../src/lab/manifests';
import { arpAnswerers, clientNeighbour, curlFromClient } from '../../src/lab/probes';
import { pollUntil, sleep } from '../../src/lab/shell';
import { labPaths } from '../../src/lab/state';
import { waitForAnswer } from '../../src/lab/tutorial-checks';
import { L2_EXPECTED_IP, L2_POOL, L2_SERVICE, METALLB_NAMESPACE, NODES, nodeByMac, type LabHost } from '../../src/lab/topology';
import { acquireLabLock } from './lab-lock';
import { cachedImageRef, cli, labDownAndRelease, requestOnce, type RequestCounts } from './lab-session';
import {
  buildMetalLBImages, METALLB_KEY_DERIVATION, METALLB_MEMBERLIST_SECRET, METALLB_POD_NAME_LABEL, MetalLBRelease,
} from './metallb-release';

const NS = METALLB_NAMESPACE;
/** The node label of the guide: MetalLB's speaker avoids labelled nodes, ours runs only there. */
const MOVED_LABEL = 'metallbts.io/speaker';
const METALLB_CRDS = ['bfdprofiles', 'bgpadvertisements', 'bgppeers', 'communities', 'configurationstates', 'ipaddresspools',
  'l2advertisements', 'servicebgpstatuses', 'servicel2statuses'].map((r) => `${r}.metallb.io`);

const kubectl = new LabKubectl();
const cluster = new LabCluster(kubectl);
const log = (msg: string): void => {
  process.stdout.write(`[migration ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
};

interface PodState { name: string; node?: string; ready: boolean }

/** Pods of `app` (metallb = MetalLB's chart, metallbts = ours) and component (speaker / controller). */
async function podsOf(app: string, component: string): Promise<PodState[]> {
  const list = await kubectl.json<{ items: Array<{ metadata: { name: string; deletionTimestamp?: string }; spec: { nodeName?: string };
    status: { containerStatuses?: Array<{ ready?: boolean }> } }> }>(
    ['get', 'pods', '-n', NS, '-l', `app.kubernetes.io/name=${app},app.kubernetes.io/component=${component}`]);
  return list.items.map((p) => ({
    name: p.metadata.name, node: p.spec.nodeName,
    ready: !p.metadata.deletionTimestamp && (p.status.containerStatuses ?? []).length > 0 && (p.status.containerStatuses ?? []).every((c) => c.ready === true),
  }));
}

/** Members our speaker on `node` last saw join and not leave (its `memberlistEvent` log lines), other than itself. */
async function membersSeenBy(node: LabHost): Promise<string[]> {
  const pod = (await podsOf('metallbts', 'speaker')).find((p) => p.node === node.name);
  if (!pod) return [];
  const out = await kubectl.ok(['logs', '-n', NS, pod.name, '--tail=5000']);
  const last = new Map<string, string>();
  for (const line of out.split('\n').filter((l) => l.includes('"memberlistEvent"'))) {
    try {
      const e = JSON.parse(line) as { type?: string; member?: string };
      if (e.member) last.set(e.member, e.type ?? '');
    } catch { /* not a JSON line */ }
  }
  return [...last].filter(([m, t]) => m !== node.name && !/leave|dead|fail/i.test(t)).map(([m]) => m).sort();
}

/** What the pods and our speakers said, when a wait timed out. */
async function diagnose(err: Error): Promise<never> {
  const pods = await cluster.getPodsWide().catch((e: Error) => e.message);
  const logs = await kubectl.run(['logs', '-n', NS, '-l', 'app.kubernetes.io/name=metallbts', '--tail=40', '--prefix'], { timeoutMs: 30_000 });
  const events = await kubectl.run(['get', 'events', '-n', NS, '--sort-by=.lastTimestamp'], { timeoutMs: 30_000 });
  const pending = await kubectl.run(['get', 'pods', '-n', NS, '--field-selector=status.phase=Pending', '-o', 'yaml'], { timeoutMs: 30_000 });
  // Why a Pending pod was not placed: the scheduler's own words about our speakers.
  let scheduler = '';
  try {
    scheduler = readFileSync(labPaths.log('kube-scheduler'), 'utf8').split('\n').filter((l) => /speaker/.test(l)).slice(-20).join('\n');
  } catch (e) {
    scheduler = (e as Error).message;
  }
  throw new Error(`${err.message}\n${pods}\n${logs.stdout}${logs.stderr}\n${events.stdout.split('\n').slice(-40).join('\n')}\n` +
    `pending pods:\n${pending.stdout.split('\n').filter((l) => /nodeName|nominated|conditions|message|reason|hostPort|status:/.test(l)).join('\n')}\nkube-scheduler:\n${scheduler}`);
}

const svcIp = async (name: string): Promise<string> =>
  (await kubectl.ok(['get', 'svc', name, '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim();

/** Waits (bounded) until exactly one MAC answers ARP for `vip`; returns it. */
async function singleArpOwner(vip: string, timeoutMs = 30_000): Promise<string> {
  let last: string[] = [];
  try {
    return await pollUntil(`exactly one MAC answering ARP for ${vip}`, async () => {
      last = await arpAnswerers(vip);
      return last.length === 1 ? last[0] : undefined;
    }, { timeoutMs, everyMs: 1000 });
  } catch (err) {
    throw new Error(`${(err as Error).message}; last answerers: ${last.join(', ') || 'none'}`);
  }
}

/** A client polling http://VIP every 50 ms, and the Service's IP and the client's ARP entry sampled every second. */
class VipPoller {
  readonly counts: RequestCounts = { ok: 0, failed: [], cut: [] };
  readonly ips = new Set<string>();
  readonly owners: string[] = [];
  private stopped = false;
  private loops: Array<Promise<void>> = [];

  constructor(private readonly vip: string, private readonly service: string, private readonly maxMs = 30 * 60_000) {}

  start(): void {
    this.loops = [this.curlLoop(), this.sampleLoop()];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
  }

  private async curlLoop(): Promise<void> {
    const end = Date.now() + this.maxMs;
    for (let i = 0; i < 100_000 && !this.stopped && Date.now() < end; i++) {
      await requestOnce(this.vip, this.counts);
      await sleep(50);
    }
  }

  private async sampleLoop(): Promise<void> {
    const end = Date.now() + this.maxMs;
    for (let i = 0; i < 10_000 && !this.stopped && Date.now() < end; i++) {
      // A failed kubectl (API busy) is no IP change; an empty ingress is.
      const ip = await svcIp(this.service).catch(() => undefined);
      if (ip !== undefined) this.ips.add(ip);
      const owner = (await clientNeighbour(this.vip).catch(() => undefined))?.node?.name;
      if (owner && this.owners[this.owners.length - 1] !== owner) {
        this.owners.push(owner);
        log(`client's ARP entry for ${this.vip} -> ${owner}`);
      }
      await sleep(1000);
    }
  }
}

describe('migration from MetalLB on the real cluster: its chart, then ours node by node (e2e, root)', () => {
  let up: { code: number | null; output: string };
  let ours: ChartRelease;
  let metallb: MetalLBRelease;
  let poller: VipPoller | undefined;

  beforeAll(async () => {
    expect(process.getuid?.()).toBe(0);
    await acquireLabLock(40 * 60_000);
    up = await cli(['lab', 'up', '--no-bgp'], 1_500_000);
    ours = new ChartRelease({ ref: cachedImageRef('metallbts'), archive: '' });
    metallb = new MetalLBRelease(ours, await buildMetalLBImages());
  }, 4_500_000);

  afterAll(async () => {
    await poller?.stop();
    await labDownAndRelease();
  }, 200_000);

  it('MetalLB installed with its own chart and images built here: nginx gets 192.168.1.240 from its controller', async () => {
    if (up.code !== 0) throw new Error(`lab up exited ${up.code}:\n${up.output}`);
    // The lab installs our chart; take it away (with its CRDs, which it keeps on uninstall) so MetalLB starts alone.
    await ours.uninstall();
    await kubectl.ok(['delete', 'svc', L2_SERVICE, '--wait=true'], { timeoutMs: 60_000 });
    await kubectl.ok(['delete', 'crd', ...METALLB_CRDS, '--ignore-not-found', '--wait=true'], { timeoutMs: 120_000 });
    await pollUntil('our pods gone', async () =>
      (await podsOf('metallbts', 'speaker')).length + (await podsOf('metallbts', 'controller')).length === 0 ? true : undefined,
    { timeoutMs: 120_000, everyMs: 1000 });

    // `docker load` on every node: MetalLB's images, built from the same Go binaries as the mixed-cluster tests.
    await Promise.all(NODES.map((n) => new LabNode(n).importImages([metallb.images.speaker.archive, metallb.images.controller.archive])));
    log(`images on the nodes: ${metallb.images.speaker.ref}, ${metallb.images.controller.ref}`);
    // As the seeds do, with MetalLB's chart's Secret name (its controller would otherwise create one).
    await kubectl.ok(['create', 'secret', 'generic', '-n', NS, METALLB_MEMBERLIST_SECRET,
      `--from-literal=secretkey=${randomBytes(128).toString('base64')}`]);
    log(`$ ${metallb.describe('install')}`);
    await metallb.install();
    await pollUntil("MetalLB's controller and 3 speakers Ready", async () => {
      const [c, s] = [await podsOf(METALLB_POD_NAME_LABEL, 'controller'), await podsOf(METALLB_POD_NAME_LABEL, 'speaker')];
      const nodes = new Set(s.filter((p) => p.ready).map((p) => p.node));
      return c.filter((p) => p.ready).length === 1 && NODES.every((n) => nodes.has(n.name)) ? true : undefined;
    }, { timeoutMs: 240_000, everyMs: 2000 });
    log(`$ kubectl get pods -n ${NS} -o wide\n${await cluster.getPodsWide()}`);

    // The tutorial's configuration as CRs (MetalLB's CRDs, from its chart), then the tutorial's nginx.
    const poolYaml = `apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: ${L2_POOL.name}, namespace: ${NS}}\n` +
      `spec: {addresses: ["${L2_POOL.range}"]}\n---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\n` +
      `metadata: {name: l2, namespace: ${NS}}\nspec: {ipAddressPools: [${L2_POOL.name}]}\n`;
    await pollUntil('IPAddressPool and L2Advertisement applied', () => cluster.apply(poolYaml), { timeoutMs: 120_000, everyMs: 2000 });
    const nginxRef = cachedImageRef('nginx');
    await cluster.apply(tutorialNginxManifest(nginxRef));
    await cluster.waitDeploymentAvailable(L2_SERVICE);
    expect(await cluster.waitForIngress(L2_SERVICE, 120_000)).toBe(L2_EXPECTED_IP);
    // Only MetalLB runs: its controller allocated the IP, its speakers answer ARP.
    expect(await podsOf('metallbts', 'controller')).toEqual([]);
    expect((await waitForAnswer(L2_EXPECTED_IP, 60_000)).body).toContain('Welcome to nginx!');
    const owner = nodeByMac(await singleArpOwner(L2_EXPECTED_IP));
    expect(owner).toBeDefined();
    log(`MetalLB ${metallb.images.speaker.ref}: ${L2_SERVICE} ${L2_EXPECTED_IP}, curl answered, ARP owner ${owner?.name}`);
  }, 900_000);

  it('node by node to metallbts, then the controller, while a client polls the VIP: 0 failed requests, one IP', async () => {
    poller = new VipPoller(L2_EXPECTED_IP, L2_SERVICE);
    poller.start();
    await sleep(3000);

    // Step 3 of the guide: MetalLB's speakers avoid labelled nodes (a rolling update of its DaemonSet)...
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [
      { matchExpressions: [{ key: MOVED_LABEL, operator: 'NotIn', values: ['true'] }] }] } } };
    const affinityArgs = ['--set-json', `speaker.affinity=${JSON.stringify(affinity)}`];
    log(`$ ${metallb.describe('upgrade', affinityArgs)}`);
    await metallb.upgrade(affinityArgs);
    await kubectl.ok(['rollout', 'status', 'ds/metallb-speaker', '-n', NS, '--timeout=300s'], { timeoutMs: 320_000 });
    // ...and ours is installed with speakers only on labelled nodes (none yet), no controller, MetalLB's CRDs and Secret.
    const oursArgs = ['--set', 'crds.enabled=false', '--set', 'controller.enabled=false',
      '--set', `speaker.memberlist.secretName=${METALLB_MEMBERLIST_SECRET}`, '--set', `speaker.memberlist.keyDerivation=${METALLB_KEY_DERIVATION}`,
      '--set', 'speaker.memberlist.profile=lan', '--set-json', `speaker.nodeSelector={"${MOVED_LABEL}":"true"}`];
    log(`$ helm install ${RELEASE} charts/metallbts -n ${NS} ${[...ours.imageArgs(), ...oursArgs].join(' ')}`);
    const inst = await ours.helm(['install', RELEASE, chartPath(), '-n', NS, ...ours.imageArgs(), ...oursArgs]);
    if (inst.code !== 0) throw new Error(`helm install ${RELEASE}: ${inst.stderr}`);

    // Step 4: one node at a time.
    for (const node of NODES) {
      log(`$ kubectl label node ${node.name} ${MOVED_LABEL}=true`);
      await kubectl.ok(['label', 'node', node.name, `${MOVED_LABEL}=true`]);
      await pollUntil(`MetalLB's speaker off ${node.name} and ours Ready there`, async () => {
        const theirs = (await podsOf(METALLB_POD_NAME_LABEL, 'speaker')).filter((p) => p.node === node.name);
        const mine = (await podsOf('metallbts', 'speaker')).filter((p) => p.node === node.name && p.ready);
        return theirs.length === 0 && mine.length === 1 ? true : undefined;
      // Up to 6 min: a speaker the scheduler could not place while MetalLB's still held host port 7946 is retried
      // at the latest when its unschedulable queue is flushed (5 min), should the deletion event not requeue it.
      }, { timeoutMs: 360_000, everyMs: 1000 }).catch(diagnose);
      // One memberlist of both kinds: our speaker there has the two other nodes (MetalLB's or ours) as members.
      const others = NODES.filter((n) => n !== node).map((n) => n.name);
      const seen = await pollUntil(`metallbts speaker on ${node.name} with ${others.join(', ')} in its memberlist`, async () => {
        const m = await membersSeenBy(node);
        return others.every((o) => m.includes(o)) ? m : undefined;
      }, { timeoutMs: 60_000, everyMs: 2000 }).catch(diagnose);
      const mac = await singleArpOwner(L2_EXPECTED_IP, 60_000);
      log(`${node.name} runs metallbts (memberlist members: ${seen.join(', ')}); ARP owner of ${L2_EXPECTED_IP}: ${nodeByMac(mac)?.name ?? mac}`);
    }

    // Step 5: the controller, then MetalLB's release (its CRDs kept: they hold the pool).
    log(`$ ${metallb.describe('upgrade', ['--set', 'controller.enabled=false'])}`);
    await metallb.upgrade(['--set', 'controller.enabled=false']);
    await pollUntil("MetalLB's controller gone", async () =>
      (await podsOf(METALLB_POD_NAME_LABEL, 'controller')).length === 0 ? true : undefined, { timeoutMs: 120_000, everyMs: 1000 });
    log(`$ helm upgrade ${RELEASE} charts/metallbts -n ${NS} --reuse-values --set controller.enabled=true`);
    const upg = await ours.helm(['upgrade', RELEASE, chartPath(), '-n', NS, '--reuse-values', '--set', 'controller.enabled=true']);
    if (upg.code !== 0) throw new Error(`helm upgrade ${RELEASE}: ${upg.stderr}`);
    await pollUntil('our controller Ready', async () =>
      (await podsOf('metallbts', 'controller')).filter((p) => p.ready).length === 1 ? true : undefined, { timeoutMs: 180_000, everyMs: 1000 });
    log(`$ kubectl annotate crd ${METALLB_CRDS.join(' ')} --overwrite helm.sh/resource-policy=keep`);
    await kubectl.ok(['annotate', 'crd', ...METALLB_CRDS, '--overwrite', 'helm.sh/resource-policy=keep']);
    // helm uninstall deletes what the release's stored manifest lists, whatever the live annotations say; an upgrade
    // that drops the CRDs from the release honours the live keep annotation and leaves them (and the pool) in place.
    log(`$ ${metallb.describe('upgrade', ['--set', 'crds.enabled=false'])}`);
    await metallb.upgrade(['--set', 'crds.enabled=false']);
    log(`$ helm uninstall metallb -n ${NS}`);
    await metallb.uninstall();
    await pollUntil("MetalLB's pods gone", async () =>
      (await kubectl.ok(['get', 'pods', '-n', NS, '-l', `app.kubernetes.io/name=${METALLB_POD_NAME_LABEL}`, '-o', 'name'])).trim() === '' ? true : undefined,
    { timeoutMs: 120_000, everyMs: 1000 });
    await sleep(5000);
    await poller.stop();

    const { ok, failed, cut } = poller.counts;
    log(`polling: ${ok} requests answered, ${failed.length} failed, ${cut.length} cut in flight by an ARP move (retried at once); ` +
      `Service IPs seen: ${[...poller.ips].join(', ')}; ARP owners: ${poller.owners.join(' -> ')}`);
    expect(ok).toBeGreaterThan(100);
    expect(failed).toEqual([]);
    // Layer 2 moves the VIP, not connections: only one in flight at an ownership move may be reset.
    expect(cut.length).toBeLessThanOrEqual(poller.owners.length);
    expect([...poller.ips]).toEqual([L2_EXPECTED_IP]);
    // No partition at any point: our speakers never saw another MAC answer for a VIP they own.
    expect((await kubectl.ok(['get', 'events', '-A', '--field-selector', 'reason=duplicateOwner', '-o', 'name'])).trim()).toBe('');
  }, 1_800_000);

  it('afterwards: MetalLB is gone, metallbts runs on every node, one MAC answers, the pool still allocates', async () => {
    expect(await metallb.releases()).toEqual([RELEASE]);
    const left = await kubectl.ok(['get', 'all,configmap,serviceaccount', '-n', NS, '-o', 'name', '-l', `app.kubernetes.io/name=${METALLB_POD_NAME_LABEL}`]);
    expect(left.trim()).toBe('');
    expect((await kubectl.ok(['get', 'clusterrole,clusterrolebinding,validatingwebhookconfiguration', '-o', 'name']))
      .split('\n').filter((n) => /\/metallb[:-]/.test(n))).toEqual([]);
    const speakers = await podsOf('metallbts', 'speaker');
    expect(speakers.filter((p) => p.ready).map((p) => p.node).sort()).toEqual(NODES.map((n) => n.name));
    expect((await podsOf('metallbts', 'controller')).filter((p) => p.ready)).toHaveLength(1);
    expect(await svcIp(L2_SERVICE)).toBe(L2_EXPECTED_IP);
    expect(await kubectl.ok(['get', 'ipaddresspools,l2advertisements', '-n', NS, '-o', 'name'])).toMatch(/ipaddresspool\.metallb\.io\/my-ip-space/);
    expect(nodeByMac(await singleArpOwner(L2_EXPECTED_IP))).toBeDefined();
    expect((await curlFromClient(L2_EXPECTED_IP, 2)).body).toContain('Welcome to nginx!');
    // Our controller allocates from MetalLB's (kept) pool: the next free address.
    await kubectl.ok(['create', 'service', 'loadbalancer', 'after-migration', '--tcp=80:80']);
    expect(await cluster.waitForIngress('after-migration', 60_000)).toBe('192.168.1.241');
    await kubectl.ok(['delete', 'service', 'after-migration']);
  }, 300_000);
});
