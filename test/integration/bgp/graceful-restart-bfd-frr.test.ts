// Graceful restart together with BFD (100 ms) against FRR 8.4: a speaker restart keeps the VIP reachable; BFD's C bit and FRR's check-control-plane-failure decide what a BFD Down alone does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { useControlPlane } from '../../harness/jest-control-plane';
import type { RunningController } from '../../../src/core/controller/run-controller';
import { loadSockopt } from '../../../plugins/bgp/native';
import { eventually, NAMESPACE } from '../../support/metallb-system';
import { startControllerWith } from '../../support/test-controller';
import { BgpLab, labAvailable } from './lab';
import { BFDD_FAST, frrBgpd } from './frr-config';
import { RestartableSpeaker } from './restartable-speaker';
import { serveVip, VipPoller } from './vip-traffic';
import { bgpPeerObject, webServiceIp, webServiceObjects } from './web-service';
import { setUpOrCleanUp, tearDown } from './lab-lifecycle';

const enabled = labAvailable('frr') && loadSockopt()?.udpOpen !== undefined;
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

const POOL = '198.51.100.80/28';
const OBJECTS = webServiceObjects(
  POOL,
  `
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: { name: fast, namespace: ${NAMESPACE} }
spec: { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3 }
---${bgpPeerObject('router', 'enableGracefulRestart: true, bfdProfile: fast')}`,
);
/** The speaker (node-a) in s0; `metallbts bgp announce` in s1 for the CLI case. */
const SPEAKER = '192.168.1.10';
const CLI_PEER = '192.168.1.11';
const CLI_PREFIX = '203.0.113.0/24';
/** bgpd's debug line when it keeps a GR peer through BFD Down because the peer's BFD says C=0 (bgpd/bgp_bfd.c). */
const IGNORED = 'BFD DOWN message ignored in the process of graceful restart when C bit is cleared';

interface FrrPath {
  stale?: boolean;
}
interface BfdPeer {
  peer: string;
  status: string;
  diagnostic?: string;
  'remote-diagnostic'?: string;
  'receive-interval'?: number;
  'transmit-interval'?: number;
}
interface Neighbor {
  bgpState?: string;
  lastResetDueTo?: string;
  lastNotificationReason?: string;
  neighborCapabilities?: { gracefulRestart?: string };
  gracefulRestartInfo?: { rBit?: boolean };
}

d('graceful restart with BFD against FRR', () => {
  jest.setTimeout(120_000);
  const cp = useControlPlane();
  const lab = new BgpLab('a', 'grbfd');
  // FRR is a GR helper by default; the debug log shows what bgpd does with each BFD Down.
  const bgpd = frrBgpd(` neighbor ${SPEAKER} remote-as 64501
 neighbor ${SPEAKER} bfd
 neighbor ${SPEAKER} bfd profile fast
 neighbor ${SPEAKER} bfd check-control-plane-failure
 neighbor ${CLI_PEER} remote-as 64502
 neighbor ${CLI_PEER} bfd
 neighbor ${CLI_PEER} bfd profile fast
!
log file ${join(lab.dir, 'bgpd.log')} debugging
debug bgp bfd
`);
  let controller: RunningController | undefined;
  let speaker: RestartableSpeaker | undefined;
  let server: ChildProcess | undefined;
  let poller: VipPoller | undefined;
  let ip = '';

  const paths = (prefix = `${ip}/32`): FrrPath[] | undefined => {
    const r = lab.vtyshJson<{ paths?: FrrPath[] }>(`show bgp ipv4 unicast ${prefix} json`);
    return r.paths?.length ? r.paths : undefined;
  };
  const fresh = () => (paths()?.every((p) => !p.stale) ? true : undefined);
  const stale = (prefix?: string) => (paths(prefix)?.some((p) => p.stale) ? true : undefined);
  const kernelRoute = (prefix = `${ip}/32`) => lab.exec(lab.routerNs, 'ip', ['route', 'show', prefix]).trim();
  const bfdPeer = (address = SPEAKER) => lab.vtyshJson<BfdPeer[]>('show bfd peers json').find((p) => p.peer === address);
  const bfdIs = (status: string, address = SPEAKER) => eventually(`BFD ${status} in bfdd for ${address}`, async () => (bfdPeer(address)?.status === status ? bfdPeer(address) : undefined), 30_000, 50);
  const neighbor = (address = SPEAKER) => lab.vtyshJson<Record<string, Neighbor>>(`show bgp neighbors ${address} json`)[address];
  const ignoredDowns = () => readFileSync(join(lab.dir, 'bgpd.log'), 'utf8').split(IGNORED).length - 1;
  const checkControlPlane = (on: boolean) => lab.vtysh(`configure terminal\nrouter bgp 64500\n${on ? '' : 'no '}neighbor ${SPEAKER} bfd check-control-plane-failure\nend`);
  const okAtLeast = (n: number) => eventually(`${n} successful requests`, async () => (poller!.counts().ok >= n ? true : undefined), 30_000, 50);
  const startPolling = async () => {
    poller = VipPoller.start(lab, lab.speakers[1]!.ns, ip);
    await okAtLeast(10);
  };
  const stopPolling = async () => {
    const r = await poller!.stop();
    poller = undefined;
    return r;
  };
  const endOfRibs = () => speaker!.logs.filter((l) => l.includes('"endOfRibSent"')).length;

  /** Starts the speaker again; waits for the route to be fresh (not stale) after its End-of-RIB, and BFD Up. */
  async function restart() {
    const runs = endOfRibs();
    speaker!.start();
    await eventually('route re-announced (not stale)', async () => fresh(), 60_000);
    await eventually('End-of-RIB sent by the new speaker', async () => (endOfRibs() > runs ? true : undefined), 10_000);
    await bfdIs('up');
  }

  beforeAll(() =>
    setUpOrCleanUp(
      async () => {
        const { kubeconfigs, controller: started } = await startControllerWith(cp, OBJECTS);
        controller = started;
        lab.up(2);
        lab.startFrr(bgpd, BFDD_FAST);
        speaker = await RestartableSpeaker.create(lab.speakers[0]!.ns, lab.dir, cp, kubeconfigs.speaker, 'node-a');
        speaker.start();
        ip = await webServiceIp(cp);
        server = await serveVip(lab, lab.speakers[0]!.ns, lab.speakers[1]!.ns, ip, POOL);
        await eventually(`${ip}/32 in FRR`, async () => fresh(), 60_000);
        await bfdIs('up');
      },
      async () => {
        await speaker?.stop();
        lab.down();
      },
    ), 150_000);

  afterAll(() => tearDown([() => poller?.stop(), () => server?.kill('SIGKILL'), () => speaker?.stop(), () => controller?.stop()], () => lab.down()), 60_000);

  test('BFD is Up at the profile intervals beside a session that negotiated graceful restart', async () => {
    expect(await bfdIs('up')).toMatchObject({ 'receive-interval': 100, 'transmit-interval': 100 });
    expect(neighbor()?.neighborCapabilities?.gracefulRestart).toBe('advertisedAndReceived');
    expect(lab.vtysh('show running-config')).toContain(`neighbor ${SPEAKER} bfd check-control-plane-failure`);
  });

  test('SIGTERM then start under traffic: FRR ignores the BFD Down (C=0), keeps the route stale, no request fails; fresh after End-of-RIB, BFD Up again', async () => {
    const ignored = ignoredDowns();
    await startPolling();
    await speaker!.kill('SIGTERM');
    await eventually('route kept as stale', async () => stale(), 10_000, 50);
    // The speaker said goodbye with AdminDown, after the TCP close.
    expect(await bfdIs('down')).toMatchObject({ 'remote-diagnostic': 'administratively down' });
    await eventually('bgpd ignored the BFD Down', async () => (ignoredDowns() > ignored ? true : undefined), 10_000);
    expect(stale()).toBe(true);
    expect(kernelRoute()).toContain(`via ${SPEAKER}`);
    // A second or more of traffic with no speaker at all.
    await okAtLeast(poller!.counts().ok + 20);
    await restart();
    // The new OPEN said "restarted" (R bit).
    expect(neighbor()?.gracefulRestartInfo?.rBit).toBe(true);
    await okAtLeast(poller!.counts().ok + 10);
    const r = await stopPolling();
    expect(r.failed).toEqual([]);
    expect(r.ok).toBeGreaterThan(40);
    // Closed without a NOTIFICATION (a Cease would have made FRR flush).
    expect(speaker!.logs.some((l) => l.includes('"gracefulRestartStop"'))).toBe(true);
  });

  test('a frozen speaker (SIGSTOP: BFD silent, TCP open): check-control-plane-failure keeps the session and the route through BFD Down; SIGKILL then start keeps them too', async () => {
    const ignored = ignoredDowns();
    await startPolling();
    speaker!.signal('SIGSTOP');
    expect(await bfdIs('down')).toMatchObject({ diagnostic: 'control detection time expired' });
    await eventually('bgpd ignored the BFD Down', async () => (ignoredDowns() > ignored ? true : undefined), 10_000);
    // C=0 means "BFD shares fate with BGP": FRR waits for BGP itself (hold timer or TCP close), so the route stays, not even stale.
    expect(neighbor()?.bgpState).toBe('Established');
    expect(fresh()).toBe(true);
    await okAtLeast(poller!.counts().ok + 10);
    await speaker!.kill('SIGKILL');
    await eventually('route kept as stale', async () => stale(), 10_000, 50);
    await restart();
    const r = await stopPolling();
    expect(r.failed).toEqual([]);
  });

  test.each(['SIGTERM', 'SIGKILL'] as const)('without check-control-plane-failure a %s restart still keeps the route: FRR is a GR helper (TCP closed) before BFD goes Down', async (signal) => {
    checkControlPlane(false);
    expect(lab.vtysh('show running-config')).not.toContain('check-control-plane-failure');
    await startPolling();
    await speaker!.kill(signal);
    await eventually('route kept as stale', async () => stale(), 10_000, 50);
    // SIGTERM: AdminDown once FRR closed its side of TCP; SIGKILL: the kernel closes TCP at once, BFD times out 300 ms later.
    expect(await bfdIs('down')).toMatchObject(signal === 'SIGTERM' ? { 'remote-diagnostic': 'administratively down' } : { diagnostic: 'control detection time expired' });
    // bgpd acted on the BFD Down (a BGP_Stop on a peer that is already down), and the stale route survived it.
    await eventually('bgpd saw the BFD Down', async () => (neighbor()?.lastResetDueTo === 'BFD down received' ? true : undefined), 10_000);
    expect(stale()).toBe(true);
    expect(kernelRoute()).toContain(`via ${SPEAKER}`);
    await okAtLeast(poller!.counts().ok + 20);
    await restart();
    const r = await stopPolling();
    expect(r.failed).toEqual([]);
  });

  test('control, without check-control-plane-failure: a frozen speaker\'s BFD Down makes FRR send Cease/BFD Down and flush the route; requests fail until a new speaker', async () => {
    await startPolling();
    speaker!.signal('SIGSTOP');
    await eventually('route withdrawn from the kernel table', async () => (kernelRoute() === '' ? true : undefined), 10_000, 50);
    expect(paths()).toBeUndefined();
    expect(neighbor()?.lastNotificationReason).toBe('Cease/BFD Down');
    await eventually('failed requests', async () => (poller!.counts().failed.length >= 2 ? true : undefined), 10_000);
    await speaker!.kill('SIGKILL');
    await restart();
    await okAtLeast(poller!.counts().ok + 10);
    const r = await stopPolling();
    expect(r.failed.length).toBeGreaterThanOrEqual(2);
  });

  test('bgp announce --bfd --graceful-restart: SIGTERM keeps the route stale at FRR (no check-control-plane-failure) and ends BFD with AdminDown after the close', async () => {
    lab.announce(1, ['--peer', '192.168.1.1', '--my-asn', '64502', '--peer-asn', '64500', '--graceful-restart', '120', '--bfd', '100', '--prefix', CLI_PREFIX]);
    await eventually(`${CLI_PREFIX} in FRR`, async () => (paths(CLI_PREFIX) ? true : undefined), 30_000);
    await bfdIs('up', CLI_PEER);
    expect(await lab.stopSpeaker(1, 'SIGTERM')).toBe(0);
    expect(await bfdIs('down', CLI_PEER)).toMatchObject({ 'remote-diagnostic': 'administratively down' });
    await eventually('bgpd saw the BFD Down', async () => (neighbor(CLI_PEER)?.lastResetDueTo === 'BFD down received' ? true : undefined), 10_000);
    expect(stale(CLI_PREFIX)).toBe(true);
    expect(kernelRoute(CLI_PREFIX)).toContain(`via ${CLI_PEER}`);
  });
});
