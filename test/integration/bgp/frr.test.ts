// metallbts bgp announce against FRR 8.4 in namespaces: eBGP/iBGP, 2/4-byte ASN, v4/v6, communities, ECMP, Cease, hold timer.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BgpLab, labAvailable, waitUntil } from './lab';

const enabled = labAvailable('frr');
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

const BGPD_CONF = (logFile: string) => `frr defaults traditional
hostname R
log file ${logFile} informational
router bgp 64500
 bgp router-id 192.168.1.1
 bgp log-neighbor-changes
 no bgp ebgp-requires-policy
 bgp bestpath as-path multipath-relax
 neighbor EBGP peer-group
 neighbor EBGP remote-as external
 neighbor IBGP peer-group
 neighbor IBGP remote-as internal
 neighbor EBGP6 peer-group
 neighbor EBGP6 remote-as external
 bgp listen range 192.168.1.8/30 peer-group EBGP
 bgp listen range 192.168.1.12/32 peer-group EBGP
 bgp listen range 192.168.1.13/32 peer-group IBGP
 bgp listen range 192.168.1.15/32 peer-group EBGP
 bgp listen range fd00:1::/64 peer-group EBGP6
 address-family ipv4 unicast
  maximum-paths 8
  maximum-paths ibgp 8
 exit-address-family
 address-family ipv6 unicast
  neighbor EBGP activate
  neighbor EBGP6 activate
  maximum-paths 8
 exit-address-family
`;

type Path = Record<string, unknown> & { community?: { string: string }; largeCommunity?: { string: string }; aspath?: { string: string }; locPrf?: number };
interface PrefixDetail {
  paths?: Path[];
}

d('FRR interop', () => {
  jest.setTimeout(120_000);
  const lab = new BgpLab('frr');
  let logFile = '';

  const routes = (afi: 'ipv4' | 'ipv6') => lab.vtyshJson<{ routes: Record<string, unknown[]> }>(`show bgp ${afi} unicast json`).routes ?? {};
  const detail = (afi: 'ipv4' | 'ipv6', prefix: string) => lab.vtyshJson<PrefixDetail>(`show bgp ${afi} unicast ${prefix} json`);
  const kernelRoute = (prefix: string, v6 = false) => lab.exec(lab.routerNs, 'ip', [...(v6 ? ['-6'] : []), 'route', 'show', prefix]);
  const nexthopCount = (prefix: string) => (kernelRoute(prefix).match(/nexthop via/g) ?? []).length || (kernelRoute(prefix).includes(' via ') ? 1 : 0);

  beforeAll(async () => {
    try {
      lab.up(6);
      logFile = join(lab.dir, 'bgpd.log');
      lab.startFrr(BGPD_CONF(logFile));
      await waitUntil('bgpd', () => lab.vtysh('show bgp summary json').length > 0, 15000);
      // s0..s2: eBGP AS 64501, 192.168.1.240/32 from all three (ECMP); s0 also carries communities.
      lab.announce(0, ['--peer', '192.168.1.1', '--my-asn', '64501', '--peer-asn', '64500', '--hold-time', '3', '--community', '64501:100', '--community', 'no-advertise', '--large-community', '64501:1:2', '--prefix', '192.168.1.240/32', '198.51.100.0/24']);
      lab.announce(1, ['--peer', '192.168.1.1', '--my-asn', '64501', '--peer-asn', '64500', '--hold-time', '3', '--prefix', '192.168.1.240/32', '198.51.101.0/24', '2001:db8:5::/64']);
      lab.announce(2, ['--peer', '192.168.1.1', '--my-asn', '64501', '--peer-asn', '64500', '--prefix', '192.168.1.240/32']);
      // s3: iBGP with LOCAL_PREF.
      lab.announce(3, ['--peer', '192.168.1.1', '--my-asn', '64500', '--peer-asn', '64500', '--local-pref', '250', '--community', '64500:7', '--prefix', '203.0.113.0/24']);
      // s4: 4-byte ASN over IPv6 transport, IPv4 and IPv6 prefixes.
      lab.announce(4, ['--peer', 'fd00:1::1', '--router-id', '192.168.1.14', '--my-asn', '4200000001', '--peer-asn', '64500', '--prefix', '2001:db8:1::/64', '198.18.0.0/15']);
      // s5: graceful restart (FRR is a helper by default).
      lab.announce(5, ['--peer', '192.168.1.1', '--my-asn', '64501', '--peer-asn', '64500', '--graceful-restart', '120', '--prefix', '198.51.102.0/24']);
    } catch (err) {
      lab.down();
      throw err;
    }
  });

  afterAll(() => lab.down());

  test('three eBGP speakers → 3-way ECMP route in the kernel', async () => {
    await waitUntil('3-way ECMP for 192.168.1.240', () => nexthopCount('192.168.1.240') === 3, 30000);
    const r = kernelRoute('192.168.1.240');
    for (const ip of ['192.168.1.10', '192.168.1.11', '192.168.1.12']) expect(r).toContain(`via ${ip}`);
  });

  test('communities and large communities in the RIB (2-byte ASN, eBGP)', async () => {
    await waitUntil('198.51.100.0/24', () => routes('ipv4')['198.51.100.0/24'], 30000);
    const p = detail('ipv4', '198.51.100.0/24').paths![0]!;
    expect(p.aspath?.string).toBe('64501');
    expect(p.community?.string).toBe('64501:100 no-advertise');
    expect(p.largeCommunity?.string).toBe('64501:1:2');
  });

  test('iBGP with LOCAL_PREF', async () => {
    await waitUntil('203.0.113.0/24', () => routes('ipv4')['203.0.113.0/24'], 30000);
    const p = detail('ipv4', '203.0.113.0/24').paths![0]!;
    expect(p.locPrf).toBe(250);
    expect(p.aspath?.string).toBe('Local');
    expect(p.community?.string).toBe('64500:7');
  });

  test('4-byte ASN over an IPv6 session, IPv4 and IPv6 prefixes, IPv6 route in the kernel', async () => {
    await waitUntil('2001:db8:1::/64', () => routes('ipv6')['2001:db8:1::/64'], 30000);
    await waitUntil('198.18.0.0/15', () => routes('ipv4')['198.18.0.0/15'], 30000);
    expect(detail('ipv6', '2001:db8:1::/64').paths![0]!.aspath?.string).toBe('4200000001');
    expect(detail('ipv4', '198.18.0.0/15').paths![0]!.aspath?.string).toBe('4200000001');
    await waitUntil('kernel IPv6 route', () => kernelRoute('2001:db8:1::/64', true).includes('via fd00:1::e'), 15000);
  });

  test('IPv6 prefix over an IPv4 session: next hop = the speaker IPv6 address on that interface', async () => {
    await waitUntil('kernel route 2001:db8:5::/64', () => kernelRoute('2001:db8:5::/64', true).includes('via fd00:1::b'), 30000);
  });

  test('SIGTERM → withdraw + Cease 6/2; ECMP shrinks to 2 paths', async () => {
    await waitUntil('3-way ECMP', () => nexthopCount('192.168.1.240') === 3, 30000);
    const code = await lab.stopSpeaker(2, 'SIGTERM');
    expect(code).toBe(0);
    expect(lab.speakers[2]!.output.join('\n')).toMatch(/"event":"notificationSent","code":6,"subcode":2/);
    await waitUntil('2-way ECMP', () => nexthopCount('192.168.1.240') === 2, 10000);
    await waitUntil('FRR logged the Cease', () => /192\.168\.1\.12.*6\/2/.test(readFileSync(logFile, 'utf8')), 5000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${readFileSync(logFile, 'utf8').split('\n').filter((l) => l.includes('192.168.1.12')).join('\n')}`);
    });
  });

  test('SIGTERM with --graceful-restart: no withdrawal and no NOTIFICATION, FRR keeps the route as stale', async () => {
    type Paths = { paths?: Array<{ stale?: boolean }> };
    await waitUntil('198.51.102.0/24', () => routes('ipv4')['198.51.102.0/24'], 30000);
    const code = await lab.stopSpeaker(5, 'SIGTERM');
    expect(code).toBe(0);
    const out = lab.speakers[5]!.output.join('\n');
    expect(out).toContain('"event":"gracefulRestartStop"');
    expect(out).not.toContain('"event":"notificationSent"');
    await waitUntil('198.51.102.0/24 stale', () => (detail('ipv4', '198.51.102.0/24') as Paths).paths?.some((p) => p.stale), 10000);
    // Still there, still stale, well after the close: only the 120 s restart time (or End-of-RIB) would remove it.
    await new Promise((r) => setTimeout(r, 2000));
    expect((detail('ipv4', '198.51.102.0/24') as Paths).paths?.[0]?.stale).toBe(true);
    expect(kernelRoute('198.51.102.0/24')).toContain('via 192.168.1.15');
  });

  test('SIGSTOP (speaker silent) → FRR hold timer (3 s) removes its routes', async () => {
    await waitUntil('198.51.101.0/24', () => routes('ipv4')['198.51.101.0/24'], 30000);
    const p = lab.speakers[1]!.proc!;
    const t0 = Date.now();
    p.kill('SIGSTOP');
    try {
      await waitUntil('198.51.101.0/24 gone', () => !routes('ipv4')['198.51.101.0/24'], 15000);
      const ms = Date.now() - t0;
      expect(ms).toBeGreaterThanOrEqual(2000);
      expect(ms).toBeLessThan(10000);
    } finally {
      p.kill('SIGCONT');
    }
  });

  test('SIGKILL → routes gone within the hold time', async () => {
    await waitUntil('198.51.100.0/24', () => routes('ipv4')['198.51.100.0/24'], 30000);
    const t0 = Date.now();
    await lab.stopSpeaker(0, 'SIGKILL');
    await waitUntil('198.51.100.0/24 gone', () => !routes('ipv4')['198.51.100.0/24'], 10000);
    expect(Date.now() - t0).toBeLessThan(6000);
  });
});
