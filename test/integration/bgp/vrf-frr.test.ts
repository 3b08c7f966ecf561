// BGPPeer vrf and dualStackAddressFamily from the speaker: two FRR routers with the SAME address behind two devices; each session reaches the one its vrf names.
import { useControlPlane } from '../../harness/jest-control-plane';
import type { RunningController } from '../../../src/core/controller/run-controller';
import { loadSockopt } from '../../../plugins/bgp/native';
import { eventually, NAMESPACE } from '../../support/metallb-system';
import { startControllerWith } from '../../support/test-controller';
import { BgpLab, labAvailable, sh } from './lab';
import { startSpeakerIn, type NamespacedSpeaker } from './speaker-in-namespace';
import { BFDD_FAST, frrBgpd } from './frr-config';
import { setUpOrCleanUp, tearDown } from './lab-lifecycle';
import { bgpPeerObject, bgpPoolObjects } from './web-service';

const enabled = labAvailable('frr') && loadSockopt()?.bindToDevice !== undefined;
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

/** Whether this kernel can make VRF devices (CONFIG_NET_VRF); probed in a throw-away namespace. */
function kernelHasVrf(): boolean {
  const ns = `bgpvrf-${process.pid}-probe`;
  try {
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['-n', ns, 'link', 'add', 'vrfprobe', 'type', 'vrf', 'table', '10'], { allowFail: true });
    return sh('ip', ['-n', ns, '-d', 'link', 'show', 'vrfprobe'], { allowFail: true }).includes('vrf table 10');
  } finally {
    sh('ip', ['netns', 'del', ns], { allowFail: true });
  }
}

const VRF = enabled && kernelHasVrf();
// With kernel VRFs, red0 is enslaved to VRF `red` and the peer names the VRF; without, the peer names red0 itself.
const RED = VRF ? 'red' : 'red0';

// Both routers: 192.168.1.1 (and fd00:1::1), IPv6 unicast activated so only the speaker decides what a session carries.
const router = (extra = '') => frrBgpd(` neighbor 192.168.1.10 remote-as 64501
 neighbor 192.168.1.10 timers connect 2
${extra} address-family ipv6 unicast
  neighbor 192.168.1.10 activate
 exit-address-family
`);
// The red router also runs bfdd: the speaker's BFD packets must leave through red0 too.
const RED_ROUTER = router(` neighbor 192.168.1.10 bfd
 neighbor 192.168.1.10 bfd profile fast
`);
const BLUE_ROUTER = router();

const peer = (name: string, extra: string): string => bgpPeerObject(name, `holdTime: 9s, connectTime: 3s, ${extra}`);

const OBJECTS = `${bgpPoolObjects('198.51.100.48/28, "2001:db8:99::/124"')}---
apiVersion: metallb.io/v1beta1
kind: BFDProfile
metadata: { name: fast, namespace: ${NAMESPACE} }
spec: { receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3 }
---
${[
  peer('via-red', `vrf: ${RED}, dualStackAddressFamily: true, bfdProfile: fast`),
  peer('via-blue', 'vrf: blue0'),
  peer('wrong-device', 'vrf: green0'),
  peer('missing-device', 'vrf: nope0'),
].join('---')}
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: default }
spec: { type: LoadBalancer, ipFamilyPolicy: RequireDualStack, ipFamilies: [IPv4, IPv6], selector: { app: web }, ports: [{ port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: web-1, namespace: default, labels: { kubernetes.io/service-name: web } }
addressType: IPv4
endpoints: [{ addresses: [10.244.0.5], nodeName: node-a, conditions: { ready: true } }]
ports: [{ port: 80, protocol: TCP }]
`;

interface Neighbor {
  bgpState?: string;
  neighborCapabilities?: { multiprotocolExtensions?: Record<string, Record<string, boolean>> };
}
interface Prefix {
  paths?: Array<{ nexthops?: Array<{ ip?: string }> }>;
}

d(`BGPPeer vrf (${VRF ? 'kernel VRF device' : 'plain interfaces: this kernel has no VRF support'}) and dualStackAddressFamily against FRR`, () => {
  jest.setTimeout(120_000);
  const cp = useControlPlane({ serviceClusterIpRange: '10.96.0.0/16,fd00:10:96::/112' });
  const red = new BgpLab('bgpvrf-red');
  const blue = new BgpLab('bgpvrf-blue');
  const speakerNs = `bgpvrf-${process.pid}-s`;
  let controller: RunningController | undefined;
  let speaker: NamespacedSpeaker | undefined;
  let v4 = '';
  let v6 = '';

  const neighbor = (lab: BgpLab) => lab.vtyshJson<Record<string, Neighbor>>('show bgp neighbors 192.168.1.10 json')['192.168.1.10'];
  const routes = (lab: BgpLab, afi: 'ipv4' | 'ipv6') => lab.vtyshJson<{ routes?: Record<string, unknown> }>(`show bgp ${afi} unicast json`).routes ?? {};
  const logsOf = (event: string, peerName: string) => speaker?.logs.filter((l) => l.includes(`"event":"${event}"`) && l.includes(`"peer":"${peerName}"`)) ?? [];

  /** A veth from the speaker namespace (`dev`, addresses `addrs`, enslaved to `vrf` first) to `lab`'s router bridge. */
  const link = (lab: BgpLab, dev: string, addrs: string[], vrf?: string) => {
    sh('ip', ['-n', speakerNs, 'link', 'add', dev, 'type', 'veth', 'peer', 'name', `${dev}r`, 'netns', lab.routerNs]);
    sh('ip', ['-n', lab.routerNs, 'link', 'set', `${dev}r`, 'master', 'br0', 'up']);
    // Enslaving cycles the link, which drops its IPv6 addresses: before the addresses.
    if (vrf) sh('ip', ['-n', speakerNs, 'link', 'set', dev, 'master', vrf]);
    for (const a of addrs) sh('ip', ['-n', speakerNs, 'addr', 'add', a, 'dev', dev, ...(a.includes(':') ? ['nodad'] : [])]);
    sh('ip', ['-n', speakerNs, 'link', 'set', dev, 'up']);
  };

  beforeAll(() =>
    setUpOrCleanUp(
      async () => {
        const { kubeconfigs, controller: started } = await startControllerWith(cp, OBJECTS);
        controller = started;
        red.up(0);
        blue.up(0);
        // The speaker namespace is deleted with the red lab (its namespace list).
        sh('ip', ['netns', 'add', speakerNs]);
        red.speakers.push({ ns: speakerNs, v4: '192.168.1.10', v6: 'fd00:1::a', output: [] });
        sh('ip', ['-n', speakerNs, 'link', 'set', 'lo', 'up']);
        // blue0 first: without the VRF restriction its fd00:1::b would be the IPv6 next hop of 192.168.1.10.
        link(blue, 'blue0', ['192.168.1.10/24', 'fd00:1::b/64']);
        if (VRF) {
          sh('ip', ['-n', speakerNs, 'link', 'add', 'red', 'type', 'vrf', 'table', '100']);
          sh('ip', ['-n', speakerNs, 'link', 'set', 'red', 'up']);
        }
        link(red, 'red0', ['192.168.1.10/24', 'fd00:1::a/64'], VRF ? 'red' : undefined);
        // green0: a live link to nowhere (its peer end stays in the same namespace), no route to 192.168.1.1.
        sh('ip', ['-n', speakerNs, 'link', 'add', 'green0', 'type', 'veth', 'peer', 'name', 'green1']);
        sh('ip', ['-n', speakerNs, 'link', 'set', 'green1', 'up']);
        sh('ip', ['-n', speakerNs, 'addr', 'add', '10.98.0.2/24', 'dev', 'green0']);
        sh('ip', ['-n', speakerNs, 'link', 'set', 'green0', 'up']);
        red.startFrr(RED_ROUTER, BFDD_FAST);
        blue.startFrr(BLUE_ROUTER);
        speaker = await startSpeakerIn(red, 0, cp, kubeconfigs.speaker, 'node-a');
        [v4, v6] = await eventually('dual-stack Service IPs', async () => {
          const s = await cp.kubectlJson<{ status?: { loadBalancer?: { ingress?: Array<{ ip: string }> } } }>(['get', 'svc', 'web']);
          const ips = s.status?.loadBalancer?.ingress?.map((i) => i.ip) ?? [];
          return ips.length === 2 ? (ips as [string, string]) : undefined;
        });
      },
      async () => {
        await speaker?.stop();
        await controller?.stop();
        red.down();
        blue.down();
      },
    ), 150_000);

  afterAll(() => tearDown([() => speaker?.stop(), () => controller?.stop()], () => { red.down(); blue.down(); }), 60_000);

  test(`the session bound to ${RED} reaches the red router and, dual-stack, carries the IPv6 VIP with red0's IPv6 next hop`, async () => {
    await eventually('red session Established', async () => (neighbor(red)?.bgpState === 'Established' ? true : undefined), 60_000);
    await eventually(`${v4}/32 at red`, async () => (routes(red, 'ipv4')[`${v4}/32`] ? true : undefined), 30_000);
    await eventually(`${v6}/128 at red`, async () => (routes(red, 'ipv6')[`${v6}/128`] ? true : undefined), 30_000);
    const mp = neighbor(red)?.neighborCapabilities?.multiprotocolExtensions ?? {};
    expect(mp.ipv4Unicast).toMatchObject({ advertisedAndReceived: true });
    expect(mp.ipv6Unicast).toMatchObject({ advertisedAndReceived: true });
    // red0 may not be running yet when the session comes up (absent from the OS table): the next hop follows once it is.
    const hopsAt = () => red.vtyshJson<Prefix>(`show bgp ipv6 unicast ${v6}/128 json`).paths?.[0]?.nexthops?.map((h) => h.ip) ?? [];
    const hops = await eventually('fd00:1::a as the IPv6 next hop', async () => (hopsAt().includes('fd00:1::a') ? hopsAt() : undefined), 15_000).catch(() => hopsAt());
    expect(hops).toContain('fd00:1::a');
    expect(hops).not.toContain('fd00:1::b');
    expect(red.vtysh('show bgp ipv6 unicast')).toContain(`${v6}/128`);
  });

  test(`BFD of the ${RED} peer runs over ${RED} too: bfdd on the red router sees it Up`, async () => {
    const peer = () => red.vtyshJson<Array<{ peer: string; status: string }>>('show bfd peers json').find((p) => p.peer === '192.168.1.10');
    await eventually('BFD up at the red router', async () => (peer()?.status === 'up' ? true : undefined), 30_000);
    await eventually('bfdSessionUp in the speaker log', async () => (logsOf('bfdSessionUp', 'via-red').length > 0 ? true : undefined), 10_000);
  });

  test('the session bound to blue0 reaches the blue router (same address) and, single-stack, carries IPv4 only', async () => {
    await eventually('blue session Established', async () => (neighbor(blue)?.bgpState === 'Established' ? true : undefined), 60_000);
    await eventually(`${v4}/32 at blue`, async () => (routes(blue, 'ipv4')[`${v4}/32`] ? true : undefined), 30_000);
    const mp = neighbor(blue)?.neighborCapabilities?.multiprotocolExtensions ?? {};
    expect(mp.ipv4Unicast).toMatchObject({ advertisedAndReceived: true });
    expect(mp.ipv6Unicast?.advertisedAndReceived).toBeFalsy();
    expect(mp.ipv6Unicast?.received).toBeFalsy();
    expect(routes(blue, 'ipv6')[`${v6}/128`]).toBeUndefined();
  });

  test('a session bound to a device that does not lead to the peer never connects: it tries there (ARP on green0) and times out', async () => {
    const failed = await eventually('wrong-device attempts fail', async () => {
      const l = logsOf('connectFailed', 'wrong-device');
      return l.length >= 2 ? l : undefined;
    }, 30_000);
    // Linux treats a destination with no route on the bound device as on-link: the SYN waits for an ARP answer on green0.
    for (const l of failed) expect((JSON.parse(l) as { reason: string }).reason).toMatch(/^no OPEN within 3s$|ENETUNREACH|EHOSTUNREACH/);
    expect(sh('ip', ['-n', speakerNs, 'neigh', 'show', 'dev', 'green0'])).toContain('192.168.1.1 ');
    expect(sh('ip', ['-n', speakerNs, 'neigh', 'show', 'dev', 'green0'])).not.toMatch(/REACHABLE|STALE/);
    expect(logsOf('sessionUp', 'wrong-device')).toEqual([]);
    // Neither router saw another session from the speaker.
    for (const lab of [red, blue]) expect(lab.vtyshJson<{ ipv4Unicast?: { peerCount?: number } }>('show bgp summary json').ipv4Unicast?.peerCount).toBe(1);
  });

  test('a device that does not exist is a clear error located at BGPPeer/missing-device.spec.vrf', async () => {
    const line = await eventually('vrfMissing logged', async () => logsOf('vrfMissing', 'missing-device')[0], 30_000);
    const entry = JSON.parse(line) as Record<string, unknown>;
    expect(entry).toMatchObject({ level: 'error', vrf: 'nope0' });
    expect(entry.msg).toBe('BGPPeer/missing-device.spec.vrf: no network device "nope0" on this node (a VRF or interface name is expected)');
    expect(logsOf('sessionUp', 'missing-device')).toEqual([]);
  });
});
