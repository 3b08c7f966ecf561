// IPv6-only peering from a dual-stack speaker to BIRD 2, no router-id configured: the node's IPv4 becomes the BGP ID.
import { BgpLab, labAvailable, waitUntil } from './lab';

const enabled = labAvailable('bird');
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

const CONF = `router id 192.168.1.1;
protocol device {}
protocol kernel { ipv6 { export all; }; }
protocol bgp v6speakers {
  local fd00:1::1 as 64500;
  neighbor range fd00:1::/64 as 64501;
  dynamic name "v6_";
  ipv6 { import all; export none; };
  hold time 9;
}
`;

d('BIRD interop over IPv6 without router-id', () => {
  jest.setTimeout(90_000);
  const lab = new BgpLab('bird6');

  beforeAll(() => {
    try {
      lab.up(1);
      lab.startBird(CONF);
      lab.announce(0, ['--peer', 'fd00:1::1', '--my-asn', '64501', '--peer-asn', '64500', '--hold-time', '9', '--prefix', '2001:db8:8::/64']);
    } catch (err) {
      lab.down();
      throw err;
    }
  });
  afterAll(() => lab.down());

  test('the session comes up with the node IPv4 as BGP identifier and the route reaches BIRD', async () => {
    await waitUntil('route in BIRD', () => /BGP\.as_path: 64501/.test(lab.birdc('show route 2001:db8:8::/64 all')), 40000);
    const protocols = lab.birdc('show protocols all');
    expect(protocols).toMatch(/Neighbor ID:\s+192\.168\.1\.10/);
    expect(protocols).toMatch(/Neighbor address:\s+fd00:1::a/);
    expect(lab.speakers[0]!.output.join('\n')).not.toMatch(/no router ID/);
  });
});
