// eBGP multihop and multihop BFD (RFC 5883) from the speaker to FRR and BIRD one routed hop away: TTL 255 gets BGP through, multihop BFD withdraws on link loss.
import { useControlPlane } from '../../harness/jest-control-plane';
import type { RunningController } from '../../../src/core/controller/run-controller';
import { loadSockopt } from '../../../plugins/bgp/native';
import { eventually, NAMESPACE } from '../../support/metallb-system';
import { startControllerWith } from '../../support/test-controller';
import { BgpLab, labAvailable, waitUntil } from './lab';
import { parseBirdRoutes } from './routers/bird';
import { startSpeakerIn, type NamespacedSpeaker } from './speaker-in-namespace';
import { webServiceIp, webServiceObjects } from './web-service';
import { setUpOrCleanUp, tearDown } from './lab-lifecycle';


/** The speaker's address (node-a); the far router is 10.0.1.2. */
const SPEAKER = '192.168.1.10';

/** FRR in the far namespace (10.0.1.2), two hops from the speaker at 192.168.1.10 through the bridge namespace. */
const FRR_BGPD = `frr defaults traditional
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
const FRR_BFDD = `bfd
 profile interop
  detect-multiplier 3
  receive-interval 300
  transmit-interval 300
 !
!
`;

/** BIRD in the far namespace: multihop eBGP and a multihop BFD session, next hops resolved through a static route. */
const BIRD_CONF = `router id 10.0.1.2;
protocol device {}
protocol static { ipv4; route 192.168.1.0/24 via 10.0.1.1; }
protocol bfd { multihop { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }
protocol bgp far {
  local 10.0.1.2 as 64500;
  neighbor 192.168.1.10 as 64501;
  multihop 2;
  hold time 90;
  bfd on;
  ipv4 { import all; export none; };
}
`;

/** What the test reads from the far router. */
interface FarRouter {
  name: 'FRR' | 'BIRD';
  /** BFDProfile minimumTtl the router's multihop packets need (default 254: they leave at TTL 255). */
  minimumTtl?: number;
  start(lab: BgpLab, ns: string): Promise<void>;
  hasRoute(lab: BgpLab, prefix: string): boolean;
  /** BFD state for the speaker, lower case, and whether the router runs it as multihop. */
  bfd(lab: BgpLab): { state?: string; multihop: boolean };
  established(lab: BgpLab): boolean;
  describe(lab: BgpLab): string;
}

interface BfdPeer {
  peer: string;
  status: string;
  multihop?: boolean;
}

const FRR: FarRouter = {
  name: 'FRR',
  async start(lab, ns) {
    lab.startFrr(FRR_BGPD, FRR_BFDD, ns);
    await waitUntil('FRR bgpd', () => lab.vtysh('show bgp summary json').length > 0, 20_000);
  },
  hasRoute: (lab, prefix) => Boolean(lab.vtyshJson<{ routes?: Record<string, unknown> }>('show bgp ipv4 unicast json').routes?.[prefix]),
  bfd(lab) {
    const p = lab.vtyshJson<BfdPeer[]>('show bfd peers json').find((x) => x.peer === SPEAKER);
    return { state: p?.status, multihop: p?.multihop === true };
  },
  established: (lab) => lab.vtyshJson<Record<string, { bgpState?: string }>>(`show bgp neighbors ${SPEAKER} json`)[SPEAKER]?.bgpState === 'Established',
  describe: (lab) => `${lab.vtysh('show bgp summary')}\n${lab.vtysh('show bfd peers')}`,
};

const BIRD: FarRouter = {
  name: 'BIRD',
  // BIRD sends multihop BFD at the system's default TTL (64): 63 here, one hop on.
  minimumTtl: 60,
  async start(lab, ns) {
    lab.startBird(BIRD_CONF, ns);
    await waitUntil('BIRD control socket', () => lab.birdc('show status').includes('Daemon is up'), 20_000);
  },
  // The whole table: `show route PREFIX` fails once the prefix is gone.
  hasRoute: (lab, prefix) => parseBirdRoutes(lab.birdc('show route table master4 all'), new Map([['far', SPEAKER]])).some((r) => r.prefix === prefix),
  bfd(lab) {
    // `show bfd sessions` lists multihop sessions with interface "---".
    const line = lab.birdc('show bfd sessions').split('\n').find((l) => l.trim().split(/\s+/)[0] === SPEAKER);
    const f = line?.trim().split(/\s+/) ?? [];
    return { state: f[2]?.toLowerCase(), multihop: f[1] === '---' };
  },
  established: (lab) => /\bEstablished\b/.test(lab.birdc('show protocols far')),
  describe: (lab) => `${lab.birdc('show protocols all far')}\n${lab.birdc('show bfd sessions')}`,
};

const objects = (router: FarRouter) => webServiceObjects(
  '198.51.100.48/28',
  `
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: { name: interop, namespace: ${NAMESPACE} }
spec: { receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3${router.minimumTtl ? `, minimumTtl: ${router.minimumTtl}` : ''} }
---
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: far, namespace: ${NAMESPACE} }
spec: { myASN: 64501, peerASN: 64500, peerAddress: 10.0.1.2, ebgpMultiHop: true, holdTime: 90s, bfdProfile: interop }
`,
);

function describeMultihop(router: FarRouter): void {
  const enabled = labAvailable(router.name === 'FRR' ? 'frr' : 'bird') && loadSockopt()?.udpOpen !== undefined;
  // In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
  const d = enabled || process.env.CI ? describe : describe.skip;
  d(`eBGP multihop + multihop BFD with ${router.name} one hop away`, () => {
    jest.setTimeout(120_000);
    const cp = useControlPlane();
    // Two speaker namespaces keep the bridge up when the first loses its link.
    const lab = new BgpLab(`mh${router.name.toLowerCase()}`, 'bgpio');
    let controller: RunningController | undefined;
    let speaker: NamespacedSpeaker | undefined;
    let ip = '';

    beforeAll(() =>
      setUpOrCleanUp(
        async () => {
          const { kubeconfigs, controller: started } = await startControllerWith(cp, objects(router));
          controller = started;
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
          await router.start(lab, far);
          speaker = await startSpeakerIn(lab, 0, cp, kubeconfigs.speaker, 'node-a');
          ip = await webServiceIp(cp);
        },
        async () => {
          await speaker?.stop();
          lab.down();
        },
      ), 180_000);

    afterAll(() => tearDown([() => speaker?.stop(), () => controller?.stop()], () => lab.down()), 60_000);

    test('the session crosses a routed hop (TTL 255) and the Service prefix reaches the router, which runs a multihop BFD session Up', async () => {
      const diagnose = (e: Error) => {
        throw new Error(`${e.message}\n${router.describe(lab)}\n${speaker?.logs.filter((l) => !l.includes('FSM state')).slice(-8).join('\n')}`);
      };
      await eventually(`${ip}/32 in ${router.name}`, async () => (router.hasRoute(lab, `${ip}/32`) ? true : undefined), 60_000).catch(diagnose);
      const bfd = await eventually(`multihop BFD up in ${router.name}`, async () => (router.bfd(lab).state === 'up' ? router.bfd(lab) : undefined), 30_000).catch(diagnose);
      expect(bfd.multihop).toBe(true);
      await eventually('bfdSessionUp in the speaker log', async () => speaker?.logs.find((l) => l.includes('"bfdSessionUp"')), 10_000);
    });

    test('the speaker loses its link: multihop BFD takes the session down and the route is withdrawn, well before the 90 s hold time', async () => {
      lab.exec(lab.speakers[0]!.ns, 'ip', ['link', 'set', 'eth0', 'down']);
      await eventually(`${ip}/32 withdrawn`, async () => (router.hasRoute(lab, `${ip}/32`) ? undefined : true), 30_000);
      expect(router.bfd(lab).state).toBe('down');
      expect(router.established(lab)).toBe(false);
    });
  });
}

describeMultihop(FRR);
describeMultihop(BIRD);
