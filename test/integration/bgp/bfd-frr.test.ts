// BFD against FRR's bfdd: the speaker (from BGPPeer + BFDProfile objects) brings BFD up; a dead link withdraws the route long before the 90 s hold timer.
import { useControlPlane } from '../../harness/jest-control-plane';
import type { RunningController } from '../../../src/core/controller/run-controller';
import { loadSockopt } from '../../../plugins/bgp/native';
import { eventually, NAMESPACE } from '../../support/metallb-system';
import { startControllerWith } from '../../support/test-controller';
import { BgpLab, labAvailable } from './lab';
import { startSpeakerIn, type NamespacedSpeaker } from './speaker-in-namespace';
import { BFDD_FAST, frrBgpd } from './frr-config';
import { bgpPeerObject, webServiceIp, webServiceObjects } from './web-service';
import { setUpOrCleanUp, tearDown } from './lab-lifecycle';

const enabled = labAvailable('frr') && loadSockopt()?.udpOpen !== undefined;
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

const BGPD = frrBgpd(` neighbor 192.168.1.10 remote-as 64501
 neighbor 192.168.1.10 timers 30 90
 neighbor 192.168.1.10 bfd
 neighbor 192.168.1.10 bfd profile fast
 neighbor fd00:1::a remote-as 64501
 neighbor fd00:1::a timers 30 90
 neighbor fd00:1::a bfd
 neighbor fd00:1::a bfd profile fast
 address-family ipv6 unicast
  neighbor fd00:1::a activate
 exit-address-family
`);

const OBJECTS = webServiceObjects(
  '198.51.100.32/28',
  `
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: { name: fast, namespace: ${NAMESPACE} }
spec: { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3 }
---${bgpPeerObject('router', 'holdTime: 90s, bfdProfile: fast')}---${bgpPeerObject('router-v6', 'holdTime: 90s, bfdProfile: fast', '"fd00:1::1"')}`,
);

interface BfdPeer {
  peer: string;
  status: string;
  'receive-interval'?: number;
  'transmit-interval'?: number;
}

d('BFD with FRR bfdd', () => {
  jest.setTimeout(120_000);
  const cp = useControlPlane();
  // Two speaker namespaces keep the router's bridge up when the first loses its link (no interface-down shortcut).
  const lab = new BgpLab('bfd');
  let controller: RunningController | undefined;
  let speaker: NamespacedSpeaker | undefined;
  let ip = '';
  const bfdPeer = (address = '192.168.1.10') => lab.vtyshJson<BfdPeer[]>('show bfd peers json').find((p) => p.peer === address);
  const routes = () => lab.vtyshJson<{ routes?: Record<string, unknown> }>('show bgp ipv4 unicast json').routes ?? {};

  beforeAll(() =>
    setUpOrCleanUp(
      async () => {
        const { kubeconfigs, controller: started } = await startControllerWith(cp, OBJECTS);
        controller = started;
        lab.up(2);
        lab.startFrr(BGPD, BFDD_FAST);
        speaker = await startSpeakerIn(lab, 0, cp, kubeconfigs.speaker, 'node-a');
        ip = await webServiceIp(cp);
      },
      async () => {
        await speaker?.stop();
        lab.down();
      },
    ), 150_000);

  afterAll(() => tearDown([() => speaker?.stop(), () => controller?.stop()], () => lab.down()), 60_000);

  test('BFD sessions with bfdd (IPv4 and IPv6) come up at the profile intervals, next to the BGP route', async () => {
    await eventually(`${ip}/32 in FRR`, async () => (routes()[`${ip}/32`] ? true : undefined), 60_000);
    const peer = await eventually('BFD up in bfdd', async () => (bfdPeer()?.status === 'up' ? bfdPeer() : undefined), 30_000);
    expect(peer).toMatchObject({ 'receive-interval': 100, 'transmit-interval': 100 });
    // The IPv6 peering (no router-id configured) gets its own BFD session over IPv6.
    await eventually('IPv6 BFD up in bfdd', async () => (bfdPeer('fd00:1::a')?.status === 'up' ? true : undefined), 30_000);
    // The speaker's own session saw Up too (its JSON log line).
    await eventually('bfdSessionUp in the speaker log', async () => speaker?.logs.find((l) => l.includes('"bfdSessionUp"')), 10_000);
    // MetalLB's metric names on the speaker's own /metrics (inside its namespace).
    const metrics = lab.exec(lab.speakers[0]!.ns, process.execPath, ['-e', 'fetch("http://127.0.0.1:7473/metrics").then((r) => r.text()).then((t) => process.stdout.write(t))']);
    expect(metrics).toMatch(/metallb_bfd_session_up\{peer="192\.168\.1\.1"\} 1/);
    expect(metrics).toMatch(/metallb_bfd_session_up\{peer="fd00:1::1"\} 1/);
    expect(metrics).toMatch(/metallb_bfd_control_packet_input\{peer="192\.168\.1\.1"\} [1-9]/);
  });

  test('the speaker link dies: BFD takes the BGP session down and the route is withdrawn, well before the 90 s hold time', async () => {
    lab.exec(lab.speakers[0]!.ns, 'ip', ['link', 'set', 'eth0', 'down']);
    // Bounded by a third of the hold time: only BFD can withdraw it this early.
    await eventually(`${ip}/32 withdrawn`, async () => (routes()[`${ip}/32`] ? undefined : true), 30_000);
    expect(bfdPeer()?.status).toBe('down');
    await eventually('IPv6 BFD down in bfdd', async () => (bfdPeer('fd00:1::a')?.status === 'down' ? true : undefined), 10_000);
    const neighbor = lab.vtyshJson<Record<string, { bgpState?: string; lastNotificationReason?: string }>>('show bgp neighbors 192.168.1.10 json')['192.168.1.10'];
    expect(neighbor?.bgpState).not.toBe('Established');
    expect(neighbor?.lastNotificationReason).toBe('Cease/BFD Down');
  });
});
