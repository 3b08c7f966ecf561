// eBGP multihop and multihop BFD (RFC 5883) from the speaker to FRR one routed hop away: TTL 255 gets BGP through, bfdd's multihop session withdraws on link loss.
import { useControlPlane } from '../../harness/jest-control-plane';
import type { RunningController } from '../../../src/core/controller/run-controller';
import { loadSockopt } from '../../../plugins/bgp/native';
import { eventually, installMetallbSystem, NAMESPACE } from '../../support/metallb-system';
import { startTestController } from '../../support/test-controller';
import { BgpLab, labAvailable, waitUntil } from './lab';
import { startSpeakerIn, type NamespacedSpeaker } from './speaker-in-namespace';
import { webServiceIp, webServiceObjects } from './web-service';

const enabled = labAvailable('frr') && loadSockopt()?.udpOpen !== undefined;
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

/** FRR in the far namespace (10.0.1.2), two hops from the speaker at 192.168.1.10 through the bridge namespace. */
const BGPD = `frr defaults traditional
hostname FAR
router bgp 64500
 bgp router-id 10.0.1.2
 no bgp ebgp-requires-policy
 neighbor 192.168.1.10 remote-as 64501
 neighbor 192.168.1.10 ebgp-multihop 2
 neighbor 192.168.1.10 update-source 10.0.1.2
 neighbor 192.168.1.10 timers 30 90
 neighbor 192.168.1.10 bfd
 neighbor 192.168.1.10 bfd profile interop
`;
const BFDD = `bfd
 profile interop
  detect-multiplier 3
  receive-interval 300
  transmit-interval 300
 !
!
`;

const OBJECTS = webServiceObjects(
  '198.51.100.48/28',
  `
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: { name: interop, namespace: ${NAMESPACE} }
spec: { receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3 }
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: far, namespace: ${NAMESPACE} }
spec: { myASN: 64501, peerASN: 64500, peerAddress: 10.0.1.2, ebgpMultiHop: true, holdTime: 90s, bfdProfile: interop }
`,
);

interface BfdPeer {
  peer: string;
  status: string;
  multihop?: boolean;
}

d('eBGP multihop + multihop BFD with FRR one hop away', () => {
  jest.setTimeout(120_000);
  const cp = useControlPlane();
  // Two speaker namespaces keep the bridge up when the first loses its link.
  const lab = new BgpLab('mh', 'bgpio');
  let controller: RunningController | undefined;
  let speaker: NamespacedSpeaker | undefined;
  let ip = '';
  const bfdPeer = () => lab.vtyshJson<BfdPeer[]>('show bfd peers json').find((p) => p.peer === '192.168.1.10');
  const routes = () => lab.vtyshJson<{ routes?: Record<string, unknown> }>('show bgp ipv4 unicast json').routes ?? {};

  beforeAll(async () => {
    try {
      const kubeconfigs = await installMetallbSystem(cp);
      await cp.kubectlOk(['apply', '-f', '-'], { input: OBJECTS });
      controller = await startTestController(kubeconfigs.controller);
      lab.up(2);
      // far (10.0.1.2/30) — bridge namespace (10.0.1.1/30, forwarding) — speakers (192.168.1.0/24).
      const far = lab.addNamespace('far');
      lab.exec(lab.routerNs, 'ip', ['link', 'add', 'tofar', 'type', 'veth', 'peer', 'name', 'up0', 'netns', far]);
      lab.exec(lab.routerNs, 'ip', ['addr', 'add', '10.0.1.1/30', 'dev', 'tofar']);
      lab.exec(lab.routerNs, 'ip', ['link', 'set', 'tofar', 'up']);
      lab.exec(lab.routerNs, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
      lab.exec(far, 'ip', ['addr', 'add', '10.0.1.2/30', 'dev', 'up0']);
      lab.exec(far, 'ip', ['link', 'set', 'up0', 'up']);
      lab.exec(far, 'ip', ['route', 'add', '192.168.1.0/24', 'via', '10.0.1.1']);
      for (const s of lab.speakers) lab.exec(s.ns, 'ip', ['route', 'add', '10.0.1.0/30', 'via', '192.168.1.1']);
      lab.startFrr(BGPD, BFDD, far);
      await waitUntil('FRR bgpd', () => lab.vtysh('show bgp summary json').length > 0, 20_000);
      speaker = await startSpeakerIn(lab, 0, cp, kubeconfigs.speaker, 'node-a');
      ip = await webServiceIp(cp);
    } catch (err) {
      await speaker?.stop();
      lab.down();
      throw err;
    }
  }, 180_000);

  afterAll(async () => {
    try {
      await speaker?.stop();
      await controller?.stop();
    } finally {
      lab.down();
    }
  }, 60_000);

  test('the session crosses a routed hop (TTL 255) and the Service prefix reaches FRR; bfdd runs a multihop session Up', async () => {
    await eventually(`${ip}/32 in FRR`, async () => (routes()[`${ip}/32`] ? true : undefined), 60_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${lab.vtysh('show bgp summary')}\n${speaker?.logs.slice(-8).join('\n')}`);
    });
    const peer = await eventually('multihop BFD up in bfdd', async () => (bfdPeer()?.status === 'up' ? bfdPeer() : undefined), 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\n${lab.vtysh('show bfd peers')}\n${speaker?.logs.filter((l) => l.includes('bfd')).slice(-8).join('\n')}`);
    });
    expect(peer?.multihop).toBe(true);
    await eventually('bfdSessionUp in the speaker log', async () => speaker?.logs.find((l) => l.includes('"bfdSessionUp"')), 10_000);
  });

  test('the speaker loses its link: multihop BFD takes the session down and the route is withdrawn, well before the 90 s hold time', async () => {
    lab.exec(lab.speakers[0].ns, 'ip', ['link', 'set', 'eth0', 'down']);
    await eventually(`${ip}/32 withdrawn`, async () => (routes()[`${ip}/32`] ? undefined : true), 30_000);
    expect(bfdPeer()?.status).toBe('down');
    const n = lab.vtyshJson<Record<string, { bgpState?: string; lastNotificationReason?: string }>>('show bgp neighbors 192.168.1.10 json')['192.168.1.10'];
    expect(n?.bgpState).not.toBe('Established');
    expect(n?.lastNotificationReason).toBe('Cease/BFD Down');
  });
});
