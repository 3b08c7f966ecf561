// The real cluster with BGP graceful restart: a `helm upgrade` rolling every speaker keeps a client's requests to the BGP VIP flowing through FRR.
import { ChartRelease } from '../../src/lab/chart-release';
import { LabKubectl } from '../../src/lab/kubectl';
import { LabCluster } from '../../src/lab/lab-cluster';
import { curlFromClient } from '../../src/lab/probes';
import { LabRouter } from '../../src/lab/router';
import { clientRouteViaRouter } from '../../src/lab/tutorial-checks';
import { NODES } from '../../src/lab/topology';
import { acquireLabLock } from './lab-lock';
import { cachedImageRef, cli, labDownAndRelease, pollWhile, sleep } from './lab-session';

const GR_PEER = `
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: router-gr, namespace: metallb-system }
spec: { myASN: 64500, peerASN: 64500, peerAddress: 192.168.1.1, enableGracefulRestart: true }
`;

const router = new LabRouter();

/** The fewest FIB next hops the router had for `prefix` while `during` ran (sampled every 100 ms). */
async function fewestNextHops(prefix: string, during: Promise<unknown>): Promise<{ fewest: number; samples: number }> {
  let done = false;
  void during.then(
    () => (done = true),
    () => (done = true),
  );
  let fewest = Infinity;
  let samples = 0;
  for (let i = 0; i < 20_000 && !done; i++) {
    fewest = Math.min(fewest, (await router.fibNextHops(prefix).catch(() => [])).length);
    samples++;
    await sleep(100);
  }
  return { fewest, samples };
}

const kubectl = new LabKubectl();
const cluster = new LabCluster(kubectl);
type Neighbors = Record<string, { bgpState?: string; gracefulRestartInfo?: { remoteGrMode?: string } }>;

describe('the real cluster, BGP with graceful restart (e2e, root)', () => {
  let release: ChartRelease;
  let vip = '';

  beforeAll(async () => {
    expect(process.getuid?.()).toBe(0);
    await acquireLabLock(60 * 60_000); // one lab at a time (cluster.test.ts and migration.test.ts run one too)
    const up = await cli(['lab', 'up'], 1_500_000);
    if (up.code !== 0) throw new Error(`lab up exited ${up.code}:\n${up.output}`);
    release = new ChartRelease({ ref: cachedImageRef('metallbts'), archive: '' });
  }, 4_000_000);

  afterAll(async () => {
    try {
      await kubectl.ok(['delete', 'bgppeer', '-n', 'metallb-system', 'router-gr', '--ignore-not-found']).catch(() => undefined);
      await clientRouteViaRouter(false);
    } finally {
      await labDownAndRelease();
    }
  }, 200_000);

  it('BGPPeer with enableGracefulRestart + helm upgrade -f values/bgp-graceful-restart.yaml: FRR (default helper) sees GR from every node', async () => {
    await kubectl.ok(['apply', '-f', '-'], { input: GR_PEER });
    await release.upgrade('bgp-graceful-restart.yaml');
    await cluster.waitMetallbReady();
    await clientRouteViaRouter(true);
    vip = await cluster.waitForIngress('nginx');
    const want = NODES.map((n) => n.ip).sort();
    let hops: string[] = [];
    for (let i = 0; i < 90 && hops.join() !== want.join(); i++) {
      if (i > 0) await sleep(1000);
      hops = await router.fibNextHops(`${vip}/32`).catch(() => []);
    }
    expect(hops).toEqual(want);
    const neighbors = await router.vtyshJson<Neighbors>('show bgp neighbors json');
    for (const ip of want) expect([ip, neighbors[ip]?.bgpState, neighbors[ip]?.gracefulRestartInfo?.remoteGrMode]).toEqual([ip, 'Established', 'Restart']);
    expect((await curlFromClient(vip, 2)).ok).toBe(true);
  }, 400_000);

  it('helm upgrade rolling the speaker DaemonSet: 0 failed requests to the BGP VIP through the router', async () => {
    expect(vip).not.toBe('');
    const rev = (await kubectl.ok(['get', 'ds', 'speaker', '-n', 'metallb-system', '-o', 'jsonpath={.metadata.generation}'])).trim();
    // A changed pod template (log level) makes the DaemonSet roll every speaker (SIGTERM), one node at a time.
    const rolled = (async (): Promise<void> => {
      await release.upgrade('bgp-graceful-restart.yaml', ['--set', 'logLevel=debug']);
      await kubectl.ok(['rollout', 'status', 'ds/speaker', '-n', 'metallb-system', '--timeout=300s'], { timeoutMs: 320_000 });
    })();
    // With ECMP over three nodes requests would succeed through the other two anyway: the proof is that the
    // restarting node's path never leaves the router's FIB (kept stale, then refreshed).
    const [r, hops] = await Promise.all([pollWhile(vip, rolled), fewestNextHops(`${vip}/32`, rolled)]);
    const gen = (await kubectl.ok(['get', 'ds', 'speaker', '-n', 'metallb-system', '-o', 'jsonpath={.metadata.generation}'])).trim();
    process.stdout.write(`rolling upgrade with graceful restart: ${r.ok} requests to ${vip} answered through the router, ${r.failed.length} failed; ` +
      `fewest next hops over ${hops.samples} samples: ${hops.fewest}\n`);
    expect(gen).not.toBe(rev);
    expect(r.ok).toBeGreaterThan(20);
    expect(r.failed).toEqual([]);
    expect(r.cut).toEqual([]);
    expect(hops.samples).toBeGreaterThan(20);
    expect(hops.fewest).toBe(NODES.length);
    // Every node is back with its route (the stale paths were refreshed, End-of-RIB received).
    expect((await router.fibNextHops(`${vip}/32`)).length).toBe(NODES.length);
  }, 400_000);

  it('control, the same roll without graceful restart: each stopping speaker withdraws its path from the FIB', async () => {
    // enableGracefulRestart is immutable: the peer is re-created without it.
    await kubectl.ok(['delete', 'bgppeer', '-n', 'metallb-system', 'router-gr']);
    await kubectl.ok(['apply', '-f', '-'], { input: GR_PEER.replace('enableGracefulRestart: true', 'enableGracefulRestart: false') });
    let grModes: string[] = [];
    for (let i = 0; i < 60; i++) {
      if (i > 0) await sleep(1000);
      const neighbors = await router.vtyshJson<Neighbors>('show bgp neighbors json');
      grModes = NODES.map((n) => `${neighbors[n.ip]?.bgpState}/${neighbors[n.ip]?.gracefulRestartInfo?.remoteGrMode}`);
      if (grModes.every((m) => m === 'Established/Disable') && (await router.fibNextHops(`${vip}/32`)).length === NODES.length) break;
    }
    expect(grModes).toEqual(NODES.map(() => 'Established/Disable'));
    const rolled = (async (): Promise<void> => {
      await release.upgrade('bgp-graceful-restart.yaml', ['--set', 'logLevel=info']);
      await kubectl.ok(['rollout', 'status', 'ds/speaker', '-n', 'metallb-system', '--timeout=300s'], { timeoutMs: 320_000 });
    })();
    const hops = await fewestNextHops(`${vip}/32`, rolled);
    process.stdout.write(`rolling upgrade without graceful restart: fewest next hops over ${hops.samples} samples: ${hops.fewest}\n`);
    expect(hops.fewest).toBeLessThan(NODES.length);
  }, 400_000);
});
