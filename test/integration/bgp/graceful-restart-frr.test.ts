// Graceful restart against FRR (default helper mode): a client reaches the BGP VIP through the router with no failed request while the speaker restarts.
import { useControlPlane } from '../../harness/jest-control-plane';
import type { RunningController } from '../../../src/core/controller/run-controller';
import type { ChildProcess } from 'node:child_process';
import { eventually, NAMESPACE } from '../../support/metallb-system';
import { startControllerWith } from '../../support/test-controller';
import { BgpLab, labAvailable } from './lab';
import { frrBgpd } from './frr-config';
import { RestartableSpeaker } from './restartable-speaker';
import { serveVip, VipPoller } from './vip-traffic';
import { bgpPeerObject, lbServiceObjects, webServiceIp, webServiceObjects } from './web-service';
import { setUpOrCleanUp, tearDown } from './lab-lifecycle';

const enabled = labAvailable('frr');
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

const POOL = '198.51.100.48/28';
// Nothing about graceful restart: FRR is a helper by default.
const BGPD = frrBgpd(` neighbor 192.168.1.10 remote-as 64501
`);
const peer = (gracefulRestart: boolean): string => bgpPeerObject('router', `enableGracefulRestart: ${gracefulRestart}`);

const OTHER_SERVICE = lbServiceObjects('other', '10.244.0.6');

interface FrrPath {
  stale?: boolean;
}

d('graceful restart with FRR as helper', () => {
  jest.setTimeout(240_000);
  const cp = useControlPlane();
  const lab = new BgpLab('gr', 'bgpgr');
  let controller: RunningController | undefined;
  let speaker: RestartableSpeaker | undefined;
  let server: ChildProcess | undefined;
  let poller: VipPoller | undefined;
  let ip = '';

  const paths = (): FrrPath[] | undefined => {
    const r = lab.vtyshJson<{ paths?: FrrPath[] }>(`show bgp ipv4 unicast ${ip}/32 json`);
    return r.paths?.length ? r.paths : undefined;
  };
  const fresh = () => (paths()?.every((p) => !p.stale) ? true : undefined);
  const kernelRoute = () => lab.exec(lab.routerNs, 'ip', ['route', 'show', `${ip}/32`]).trim();
  type Neighbor = { bgpState?: string; neighborCapabilities?: { gracefulRestart?: string }; gracefulRestartInfo?: { remoteGrMode?: string; rBit?: boolean } };
  const neighbor = () => lab.vtyshJson<Record<string, Neighbor>>('show bgp neighbors 192.168.1.10 json')['192.168.1.10'];
  const okAtLeast = (n: number) => eventually(`${n} successful requests`, async () => (poller!.counts().ok >= n ? true : undefined), 30_000, 50);

  beforeAll(() =>
    setUpOrCleanUp(
      async () => {
        const { kubeconfigs, controller: started } = await startControllerWith(cp, webServiceObjects(POOL, peer(true)));
        controller = started;
        lab.up(2);
        lab.startFrr(BGPD);
        speaker = await RestartableSpeaker.create(lab.speakers[0]!.ns, lab.dir, cp, kubeconfigs.speaker, 'node-a');
        speaker.start();
        ip = await webServiceIp(cp);
        server = await serveVip(lab, lab.speakers[0]!.ns, lab.speakers[1]!.ns, ip, POOL);
        await eventually(`${ip}/32 in FRR`, async () => fresh(), 60_000);
      },
      async () => {
        await speaker?.stop();
        lab.down();
      },
    ), 180_000);

  afterAll(() => tearDown([() => poller?.stop(), () => server?.kill('SIGKILL'), () => speaker?.stop(), () => controller?.stop()], () => lab.down()), 60_000);

  /** Polls the VIP across a speaker restart by `signal`; the route must stay (stale) while the speaker is gone. */
  async function restartUnderTraffic(signal: NodeJS.Signals) {
    const runs = speaker!.logs.filter((l) => l.includes('"endOfRibSent"')).length;
    poller = VipPoller.start(lab, lab.speakers[1]!.ns, ip);
    await okAtLeast(10);
    await speaker!.kill(signal);
    const stale = await eventually('route kept as stale', async () => (paths()?.some((p) => p.stale) ? paths() : undefined), 10_000);
    expect(stale).toHaveLength(1);
    expect(kernelRoute()).toContain('via 192.168.1.10');
    // A second or more of traffic with no speaker at all.
    const down = poller.counts().ok;
    await okAtLeast(down + 20);
    speaker!.start();
    // Re-announced and End-of-RIB: FRR keeps the route, no longer stale.
    await eventually('route re-announced (not stale)', async () => fresh(), 60_000);
    await eventually('End-of-RIB sent by the new speaker', async () => (speaker!.logs.filter((l) => l.includes('"endOfRibSent"')).length > runs ? true : undefined), 10_000);
    // The new OPEN said "restarted" (R bit).
    expect(neighbor()?.gracefulRestartInfo?.rBit).toBe(true);
    await okAtLeast(poller.counts().ok + 10);
    const r = await poller.stop();
    poller = undefined;
    return r;
  }

  test('the router negotiated graceful restart; the F bit is on for IPv4', async () => {
    expect(neighbor()?.neighborCapabilities?.gracefulRestart).toBe('advertisedAndReceived');
    expect(neighbor()?.gracefulRestartInfo?.remoteGrMode).toBe('Restart');
    const info = lab.vtysh('show bgp neighbors 192.168.1.10');
    expect(info).toMatch(/Remote Restart timer is 120 seconds/);
    expect(info).toMatch(/IPv4 Unicast\(preserved\)/);
  });

  test('SIGTERM then start: the route stays (stale) and no request fails', async () => {
    const r = await restartUnderTraffic('SIGTERM');
    expect(r.failed).toEqual([]);
    expect(r.ok).toBeGreaterThan(40);
    // The speaker closed the session without a NOTIFICATION (a Cease would have made FRR flush).
    expect(speaker!.logs.some((l) => l.includes('"gracefulRestartStop"'))).toBe(true);
  });

  test('SIGKILL then start: the route stays (stale) and no request fails', async () => {
    const r = await restartUnderTraffic('SIGKILL');
    expect(r.failed).toEqual([]);
    expect(r.ok).toBeGreaterThan(40);
  });

  test('a Service deleted while the speaker is down: End-of-RIB from the new speaker makes FRR drop its stale route (long before the 120 s restart time)', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], { input: OTHER_SERVICE });
    const other = await eventually('Service other IP', async () => {
      const s = await cp.kubectlJson<{ status?: { loadBalancer?: { ingress?: Array<{ ip: string }> } } }>(['get', 'svc', 'other']);
      return s.status?.loadBalancer?.ingress?.[0]?.ip;
    });
    const otherPaths = () => lab.vtyshJson<{ paths?: FrrPath[] }>(`show bgp ipv4 unicast ${other}/32 json`).paths ?? [];
    await eventually(`${other}/32 in FRR`, async () => (otherPaths().length > 0 ? true : undefined), 60_000);
    await speaker!.kill('SIGTERM');
    await eventually('both routes stale', async () => (otherPaths().some((p) => p.stale) && paths()?.some((p) => p.stale) ? true : undefined), 10_000);
    await cp.kubectlOk(['delete', 'svc', 'other']);
    expect(otherPaths()).toHaveLength(1);
    speaker!.start();
    await eventually('web re-announced', async () => fresh(), 60_000);
    // Only End-of-RIB can remove it this early: the new speaker never announced it, so it has nothing to withdraw.
    await eventually(`${other}/32 dropped by FRR`, async () => (otherPaths().length === 0 ? true : undefined), 30_000);
    expect(lab.exec(lab.routerNs, 'ip', ['route', 'show', `${other}/32`]).trim()).toBe('');
  });

  test('control, without graceful restart: SIGTERM withdraws the route and requests fail until the speaker is back', async () => {
    await speaker!.kill('SIGKILL');
    // enableGracefulRestart is immutable (as MetalLB's): the peer is re-created.
    await cp.kubectlOk(['-n', NAMESPACE, 'delete', 'bgppeer', 'router']);
    await cp.kubectlOk(['apply', '-f', '-'], { input: peer(false) });
    speaker!.start();
    await eventually('session without graceful restart', async () => (neighbor()?.bgpState === 'Established' && neighbor()?.gracefulRestartInfo?.remoteGrMode === 'Disable' ? true : undefined), 60_000);
    await eventually(`${ip}/32 back in FRR`, async () => fresh(), 60_000);
    poller = VipPoller.start(lab, lab.speakers[1]!.ns, ip);
    await okAtLeast(10);
    await speaker!.kill('SIGTERM');
    await eventually('route withdrawn from the kernel table', async () => (kernelRoute() === '' ? true : undefined), 10_000);
    expect(paths()).toBeUndefined();
    await eventually('failed requests', async () => (poller!.counts().failed.length >= 3 ? true : undefined), 10_000);
    speaker!.start();
    await eventually(`${ip}/32 back in FRR`, async () => fresh(), 60_000);
    const before = poller.counts().ok;
    await okAtLeast(before + 10);
    const r = await poller.stop();
    poller = undefined;
    expect(r.failed.length).toBeGreaterThanOrEqual(3);
  });
});
