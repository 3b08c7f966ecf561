// metallbts bgp announce against GoBGP 3.10 in a namespace: RIB contents for eBGP/iBGP, 2/4-byte ASN, v4/v6, Cease.
import { BgpLab, labAvailable, waitUntil } from './lab';

const enabled = labAvailable('gobgp');
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

const group = (name: string, asn: number, prefixes: string[]) => `
[[peer-groups]]
  [peer-groups.config]
    peer-group-name = "${name}"
    peer-as = ${asn}
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[peer-groups.afi-safis]]
    [peer-groups.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
${prefixes
  .map(
    (p) => `[[dynamic-neighbors]]
  [dynamic-neighbors.config]
    prefix = "${p}"
    peer-group = "${name}"
`,
  )
  .join('')}`;

const CONF = `[global.config]
  as = 64500
  router-id = "192.168.1.1"
${group('ebgp', 64501, ['192.168.1.10/32'])}
${group('ibgp', 64500, ['192.168.1.11/32'])}
${group('as4', 4200000001, ['fd00:1::/64'])}
`;

interface Attr {
  type: number;
  value?: unknown;
  as_paths?: Array<{ segment_type: number; asns: number[] }>;
  communities?: number[];
  nexthop?: string;
}
type Rib = Record<string, Array<{ attrs: Attr[]; 'neighbor-ip': string }>>;

d('GoBGP interop', () => {
  jest.setTimeout(90_000);
  const lab = new BgpLab('gobgp');
  const rib = (afi: 'ipv4' | 'ipv6') => lab.gobgp<Rib>(['global', 'rib', '-a', afi]);
  const attr = (path: { attrs: Attr[] }, type: number) => path.attrs.find((a) => a.type === type);

  beforeAll(async () => {
    try {
      lab.up(3);
      lab.startGobgp(CONF);
      await waitUntil('gobgpd API', () => Array.isArray(lab.gobgp(['neighbor'])) || true, 15000, 500);
      lab.announce(0, ['--peer', '192.168.1.1', '--my-asn', '64501', '--peer-asn', '64500', '--hold-time', '9', '--community', '64501:100', '--large-community', '64501:1:2', '--prefix', '198.51.100.0/24', '198.51.100.77/32']);
      lab.announce(1, ['--peer', '192.168.1.1', '--my-asn', '64500', '--peer-asn', '64500', '--local-pref', '300', '--prefix', '203.0.113.0/24']);
      lab.announce(2, ['--peer', 'fd00:1::1', '--router-id', '192.168.1.12', '--my-asn', '4200000001', '--peer-asn', '64500', '--prefix', '2001:db8:2::/48', '198.18.0.0/15']);
    } catch (err) {
      lab.down();
      throw err;
    }
  });

  afterAll(() => lab.down());

  test('eBGP 2-byte ASN: AS_PATH, NEXT_HOP, communities, large communities', async () => {
    const r = await waitUntil('198.51.100.77/32', () => (rib('ipv4')['198.51.100.77/32'] ? rib('ipv4') : undefined), 40000);
    expect(r['198.51.100.0/24']).toBeDefined();
    const p = r['198.51.100.0/24']![0]!;
    expect(attr(p, 2)?.as_paths).toEqual([expect.objectContaining({ segment_type: 2, asns: [64501] })]);
    expect(attr(p, 3)?.nexthop).toBe('192.168.1.10');
    expect(attr(p, 8)?.communities).toEqual([64501 * 65536 + 100]);
    expect(attr(p, 32)?.value).toEqual([{ ASN: 64501, LocalData1: 1, LocalData2: 2 }]);
    expect(attr(p, 5)).toBeUndefined(); // no LOCAL_PREF on eBGP
  });

  test('iBGP: LOCAL_PREF, empty AS_PATH', async () => {
    const r = await waitUntil('203.0.113.0/24', () => (rib('ipv4')['203.0.113.0/24'] ? rib('ipv4') : undefined), 40000);
    const p = r['203.0.113.0/24']![0]!;
    expect(attr(p, 5)?.value).toBe(300);
    expect(attr(p, 2)?.as_paths ?? []).toEqual([]);
  });

  test('4-byte ASN over IPv6: IPv6 prefix in MP_REACH, IPv4 prefix too', async () => {
    const r6 = await waitUntil('2001:db8:2::/48', () => (rib('ipv6')['2001:db8:2::/48'] ? rib('ipv6') : undefined), 40000).catch((e) => {
      throw new Error(`${(e as Error).message}\nspeaker: ${lab.speakers[2]!.output.slice(-5).join('\n')}\nneighbors: ${JSON.stringify(lab.gobgp(['neighbor'])).slice(0, 3000)}`);
    });
    const p = r6['2001:db8:2::/48']![0]!;
    expect(attr(p, 2)?.as_paths?.[0]!.asns).toEqual([4200000001]);
    expect(attr(p, 14)?.nexthop).toBe('fd00:1::c');
    const r4 = await waitUntil('198.18.0.0/15', () => (rib('ipv4')['198.18.0.0/15'] ? rib('ipv4') : undefined), 20000).catch((e) => {
      throw new Error(`${(e as Error).message}\nspeaker: ${lab.speakers[2]!.output.slice(-5).join('\n')}\nrib: ${JSON.stringify(rib('ipv4'))}\nadj-in: ${lab.exec(lab.routerNs, 'gobgp', ['-u', '127.0.0.1', '-p', '50051', 'neighbor', 'fd00:1::c', 'adj-in', '-a', 'ipv4'], { allowFail: true })}\n${lab.exec(lab.routerNs, 'gobgp', ['-u', '127.0.0.1', '-p', '50051', 'neighbor', 'fd00:1::c'], { allowFail: true })}`);
    });
    expect(attr(r4['198.18.0.0/15']![0]!, 2)?.as_paths?.[0]!.asns).toEqual([4200000001]);
  });

  test('SIGTERM → routes withdrawn', async () => {
    await waitUntil('198.51.100.0/24', () => rib('ipv4')['198.51.100.0/24'], 40000);
    expect(await lab.stopSpeaker(0, 'SIGTERM')).toBe(0);
    await waitUntil('198.51.100.0/24 gone', () => !rib('ipv4')['198.51.100.0/24'] && !rib('ipv4')['198.51.100.77/32'], 10000);
  });
});
