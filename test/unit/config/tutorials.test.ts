// Every tutorial configuration (seeds 000–004) and its CRD equivalent loads cleanly into the expected model.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue, loadConfig, type Config, type LoadResult } from '../../../src/core/config';
import { parseIp } from '../../../src/core/net/ip';

const TUTORIALS = join(__dirname, '../../fixtures/config/tutorials');
const VALID = join(__dirname, '../../fixtures/config/valid');

function load(dir: string, file: string): LoadResult {
  return loadConfig([{ file, text: readFileSync(join(dir, file), 'utf8') }]);
}

function ip(text: string): bigint {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(text);
  return parsed.value;
}

/** The parts of a pool the allocator and speaker care about, in comparable form. */
function poolSummary(config: Config): unknown[] {
  return config.pools.map((p) => ({
    name: p.name,
    protocols: p.protocols,
    autoAssign: p.autoAssign,
    ranges: p.ranges.map((r) => [r.family, r.first, r.last]),
  }));
}

describe('tutorial configurations', () => {
  const files = readdirSync(TUTORIALS).filter((f) => f.endsWith('.yaml'));

  it.each(files)('%s loads with no issue', (file) => {
    const result = load(TUTORIALS, file);
    expect(result.issues.map(formatIssue)).toEqual([]);
    expect(result.config).toBeDefined();
  });

  it('seed 000: protocol arp + cidr is a layer2 pool 192.168.1.240-255 with an implicit L2Advertisement', () => {
    const config = load(TUTORIALS, '000-arp-cidr.yaml').config as Config;
    expect(poolSummary(config)).toEqual([
      { name: 'my-ip-space', protocols: ['layer2'], autoAssign: true, ranges: [[4, ip('192.168.1.240'), ip('192.168.1.255')]] },
    ]);
    expect(config.pools[0]!.ranges[0]!.prefixLength).toBe(28);
    expect(config.l2Advertisements).toHaveLength(1);
    expect(config.l2Advertisements[0]).toMatchObject({ pools: ['my-ip-space'], interfaces: [], nodeSelectors: [] });
    expect(config.bgpAdvertisements).toEqual([]);
  });

  it('seed 000 as bare config text equals the ConfigMap form', () => {
    const a = load(TUTORIALS, '000-arp-cidr.yaml').config as Config;
    const b = load(TUTORIALS, '000-arp-config-text.yaml').config as Config;
    expect(poolSummary(b)).toEqual(poolSummary(a));
  });

  it('seed 002: layer2 range 192.168.1.240-192.168.1.250', () => {
    const config = load(TUTORIALS, '002-layer2-range.yaml').config as Config;
    expect(poolSummary(config)).toEqual([
      { name: 'my-ip-space', protocols: ['layer2'], autoAssign: true, ranges: [[4, ip('192.168.1.240'), ip('192.168.1.250')]] },
    ]);
    expect(config.pools[0]!.ranges[0]!.prefixLength).toBeUndefined();
  });

  it('seed 003: the default pool 192.168.1.240-192.168.1.249', () => {
    const config = load(TUTORIALS, '003-default-pool.yaml').config as Config;
    expect(poolSummary(config)).toEqual([
      { name: 'default', protocols: ['layer2'], autoAssign: true, ranges: [[4, ip('192.168.1.240'), ip('192.168.1.249')]] },
    ]);
  });

  it('seed 004: BGP with one iBGP peer (AS 64500) and a default 32/128 advertisement', () => {
    const config = load(TUTORIALS, '004-bgp.yaml').config as Config;
    expect(poolSummary(config)).toEqual([
      { name: 'my-ip-space', protocols: ['bgp'], autoAssign: true, ranges: [[4, ip('192.168.1.240'), ip('192.168.1.255')]] },
    ]);
    expect(config.peers).toHaveLength(1);
    expect(config.peers[0]).toMatchObject({ myASN: 64500, peerASN: 64500, peerAddress: '192.168.1.1', peerPort: 179, holdTime: 90, ebgpMultiHop: false });
    expect(config.bgpAdvertisements).toHaveLength(1);
    expect(config.bgpAdvertisements[0]).toMatchObject({ aggregationLength: 32, aggregationLengthV6: 128, pools: ['my-ip-space'], peers: [], communities: [] });
    expect(config.bgpAdvertisements[0]!.localPref).toBeUndefined();
    expect(config.l2Advertisements).toEqual([]);
  });

  it.each([
    ['000-arp-cidr.yaml', 'crd-000-arp-cidr.yaml'],
    ['002-layer2-range.yaml', 'crd-002-layer2.yaml'],
    ['003-default-pool.yaml', 'crd-003-default-pool.yaml'],
    ['004-bgp.yaml', 'crd-004-bgp.yaml'],
  ])('%s and its CRD equivalent %s give the same pools', (legacy, crd) => {
    const a = load(TUTORIALS, legacy).config as Config;
    const b = load(TUTORIALS, crd).config as Config;
    expect(poolSummary(b)).toEqual(poolSummary(a));
    expect(b.l2Advertisements.map((x) => x.pools)).toEqual(a.l2Advertisements.map((x) => x.pools));
    expect(b.bgpAdvertisements.map((x) => [x.pools, x.aggregationLength])).toEqual(a.bgpAdvertisements.map((x) => [x.pools, x.aggregationLength]));
    expect(b.peers.map((p) => [p.myASN, p.peerASN, p.peerAddress])).toEqual(a.peers.map((p) => [p.myASN, p.peerASN, p.peerAddress]));
  });

  it('ConfigMap and CRD files merge into one config (different pool names)', () => {
    const legacy = 'address-pools:\n- name: legacy\n  protocol: bgp\n  addresses: [10.0.0.0/24]\npeers:\n- {my-asn: 1, peer-asn: 1, peer-address: 10.0.0.254}\n';
    const result = loadConfig([
      { file: 'legacy.yaml', text: legacy },
      { file: 'crd.yaml', text: readFileSync(join(TUTORIALS, 'crd-003-default-pool.yaml'), 'utf8') },
    ]);
    expect(result.issues.map(formatIssue)).toEqual([]);
    const config = result.config as Config;
    expect(config.pools.map((p) => [p.name, p.protocols])).toEqual([
      ['legacy', ['bgp']],
      ['default', ['layer2']],
    ]);
    // The CRD L2Advertisement with no pool selection takes every CRD pool, not the legacy pool (which has its own).
    expect(config.l2Advertisements.map((a) => a.pools)).toEqual([['default']]);
    expect(config.pools[0]!.source).toEqual({ file: 'legacy.yaml', path: 'address-pools[0]' });
    expect(config.pools[1]!.source).toEqual({ file: 'crd.yaml', path: 'IPAddressPool/default' });
  });
});

describe('fully featured configurations', () => {
  it('legacy: every documented field is read', () => {
    const result = load(VALID, 'legacy-everything.yaml');
    // Parsed but not implemented yet: said, never silently ignored.
    expect(result.issues.map(formatIssue)).toEqual([
      'legacy-everything.yaml:bfd-profiles[0].echo-mode: warning: BFD echo mode is not implemented by metallbts yet; sessions run in asynchronous mode only and echoInterval has no effect',
    ]);
    const config = result.config as Config;
    const [p1, p2] = config.peers;
    expect(p1).toMatchObject({
      name: 'peers[0]',
      myASN: 64500,
      peerASN: 64501,
      peerAddress: '192.168.1.1',
      peerPort: 1179,
      sourceAddress: '192.168.1.10',
      holdTime: 120,
      keepaliveTime: 40,
      routerID: '10.0.0.1',
      password: 'secret',
      ebgpMultiHop: true,
      bfdProfile: 'fast',
      nodeSelectors: [{ matchLabels: { rack: 'frontend' }, matchExpressions: [{ key: 'network-speed', operator: 'NotIn', values: ['slow'] }] }],
    });
    expect(p2).toMatchObject({ peerAddress: 'fc00::1', holdTime: 90 });
    expect(config.communityAliases).toEqual({ 'no-advertise': '65535:65282', big: 'large:1:2:3' });
    expect(config.bfdProfiles[0]).toMatchObject({
      name: 'fast',
      receiveInterval: 179,
      transmitInterval: 180,
      detectMultiplier: 4,
      echoInterval: 62,
      echoMode: true,
      passiveMode: false,
      minimumTtl: 10,
    });
    const prod = config.pools.find((p) => p.name === 'production');
    expect(prod).toMatchObject({ avoidBuggyIPs: true, autoAssign: true, protocols: ['bgp'] });
    expect(prod?.ranges.map((r) => r.family)).toEqual([4, 6]);
    const prodAds = config.bgpAdvertisements.filter((a) => a.pools.includes('production'));
    expect(prodAds.map((a) => [a.aggregationLength, a.aggregationLengthV6, a.localPref])).toEqual([
      [32, 128, 100],
      [24, 64, undefined],
    ]);
    expect(prodAds[0]!.communities).toEqual([
      { kind: 'standard', value: 65535 * 65536 + 65282 },
      { kind: 'large', global: 1, local1: 2, local2: 3 },
      { kind: 'standard', value: 64500 * 65536 + 1 },
    ]);
    expect(config.bgpAdvertisements.filter((a) => a.pools.includes('old-style')).map((a) => a.aggregationLength)).toEqual([32]);
    const l2 = config.pools.find((p) => p.name === 'l2');
    expect(l2).toMatchObject({ autoAssign: false, protocols: ['layer2'] });
    expect(l2?.ranges[1]).toMatchObject({ family: 6, first: ip('2001:db8::1'), last: ip('2001:db8::ff') });
  });

  it('CRDs: every documented field is read and selectors resolve against pool labels', () => {
    const result = load(VALID, 'crd-everything.yaml');
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    // Parsed but not implemented yet: said, never silently ignored (the chart's admission policy warns the same).
    // echoMode: false is the default: no warning.
    expect(result.issues.map((i) => `${i.path}: ${i.message.split(' ')[0]}`)).toEqual([]);
    const config = result.config as Config;
    const prod = config.pools.find((p) => p.name === 'production');
    expect(prod).toMatchObject({
      labels: { tier: 'prod' },
      avoidBuggyIPs: true,
      protocols: ['bgp'],
      serviceAllocation: {
        priority: 50,
        namespaces: ['web'],
        namespaceSelectors: [{ matchLabels: { team: 'web' }, matchExpressions: [] }],
        serviceSelectors: [{ matchLabels: {}, matchExpressions: [{ key: 'app', operator: 'In', values: ['nginx'] }] }],
      },
    });
    expect(config.pools.find((p) => p.name === 'lab')?.protocols).toEqual(['layer2']);
    const router = config.peers.find((p) => p.name === 'router');
    expect(router).toMatchObject({
      holdTime: 90,
      keepaliveTime: 30,
      connectTime: 10,
      routerID: '10.0.0.1',
      passwordSecret: { name: 'bgp-password', namespace: 'metallb-system' },
      bfdProfile: 'fast',
      enableGracefulRestart: true,
      vrf: 'red',
      dualStackAddressFamily: true,
    });
    expect(config.peers.find((p) => p.name === 'old-router')).toMatchObject({ password: 'hunter2', peerASN: 64600 });
    const [ad] = config.bgpAdvertisements;
    expect(ad).toMatchObject({ name: 'prod', pools: ['production'], peers: ['router'], localPref: 100 });
    expect(ad!.communities).toHaveLength(3);
    expect(config.l2Advertisements[0]).toMatchObject({ name: 'lab', pools: ['lab'], interfaces: ['eth0'] });
    expect(config.communityAliases).toEqual({ 'no-advertise': '65535:65282' });
    expect(config.bfdProfiles[0]).toMatchObject({ name: 'fast', minimumTtl: 254 });
  });
});
