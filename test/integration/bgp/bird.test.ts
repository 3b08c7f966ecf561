// metallbts bgp announce against BIRD 2 in a namespace: dynamic eBGP neighbours, communities, ECMP kernel route, Cease.
import { BgpLab, labAvailable, waitUntil } from './lab';

const enabled = labAvailable('bird');
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

const CONF = `router id 192.168.1.1;
protocol device {}
protocol direct { ipv4; ipv6; }
protocol kernel { ipv4 { export all; }; merge paths on; }
protocol kernel { ipv6 { export all; }; merge paths on; }
template bgp speakers {
  local 192.168.1.1 as 64500;
  ipv4 { import all; export none; };
  ipv6 { import all; export none; };
  hold time 9;
}
protocol bgp from speakers {
  neighbor range 192.168.1.0/24 as 64501;
  dynamic name "n_";
}
`;

d('BIRD interop', () => {
  jest.setTimeout(90_000);
  const lab = new BgpLab('bird');
  const route = (p: string) => lab.birdc(`show route ${p} all`);
  const kernel = (p: string, v6 = false) => lab.exec(lab.routerNs, 'ip', [...(v6 ? ['-6'] : []), 'route', 'show', p]);

  beforeAll(() => {
    try {
      lab.up(2);
      lab.startBird(CONF);
      const common = ['--peer', '192.168.1.1', '--my-asn', '64501', '--peer-asn', '64500', '--hold-time', '9'];
      lab.announce(0, [...common, '--community', '64501:100', '--large-community', '64501:1:2', '--prefix', '192.168.1.240/32', '2001:db8:7::/64']);
      lab.announce(1, [...common, '--prefix', '192.168.1.240/32']);
    } catch (err) {
      lab.down();
      throw err;
    }
  });
  afterAll(() => lab.down());

  test('route with communities and large communities in BIRD, 2-way ECMP in the kernel', async () => {
    await waitUntil('2 paths in BIRD', () => (route('192.168.1.240/32').match(/BGP\.as_path: 64501/g) ?? []).length === 2, 40000);
    const r = route('192.168.1.240/32');
    expect(r).toMatch(/BGP\.community: \(64501,100\)/);
    expect(r).toMatch(/BGP\.large_community: \(64501, 1, 2\)/);
    await waitUntil('ECMP in the kernel', () => (kernel('192.168.1.240').match(/nexthop via/g) ?? []).length === 2, 15000);
  });

  test('IPv6 prefix over the IPv4 session reaches the kernel via the speaker IPv6 address', async () => {
    await waitUntil('2001:db8:7::/64', () => kernel('2001:db8:7::/64', true).includes('via fd00:1::a'), 30000);
  });

  test('SIGTERM → one path left', async () => {
    expect(await lab.stopSpeaker(1, 'SIGTERM')).toBe(0);
    await waitUntil('1 path in BIRD', () => (route('192.168.1.240/32').match(/BGP\.as_path: 64501/g) ?? []).length === 1, 10000);
    await waitUntil('single kernel route', () => /via 192\.168\.1\.10/.test(kernel('192.168.1.240')) && !/nexthop/.test(kernel('192.168.1.240')), 10000);
  });
});
