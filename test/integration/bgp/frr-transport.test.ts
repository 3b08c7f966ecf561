// TCP-MD5 and TTL (native/tcpmd5) against FRR: a keyed session comes up, a wrong key does not; GTSM sees TTL 255 only with ebgp-multihop.
import { BgpLab, labAvailable, waitUntil } from './lab';
import { frrBgpd } from './frr-config';
import { loadSockopt } from '../../../plugins/bgp/native';

const enabled = labAvailable('frr') && loadSockopt() !== undefined;
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

const CONF = frrBgpd(` neighbor MD5 peer-group
 neighbor MD5 remote-as external
 neighbor MD5 password s3cret-key
 neighbor 192.168.1.12 remote-as external
 neighbor 192.168.1.12 ttl-security hops 1
 neighbor 192.168.1.13 remote-as external
 neighbor 192.168.1.13 ttl-security hops 1
 bgp listen range 192.168.1.10/31 peer-group MD5
 neighbor PLAIN peer-group
 neighbor PLAIN remote-as external
 bgp listen range 192.168.1.20/32 peer-group PLAIN
`);

d('FRR transport options (native helper)', () => {
  jest.setTimeout(90_000);
  const lab = new BgpLab('md5');
  const routes = () => lab.vtyshJson<{ routes?: Record<string, unknown> }>('show bgp ipv4 unicast json').routes ?? {};

  beforeAll(async () => {
    try {
      lab.up(5);
      lab.exec(lab.speakers[4]!.ns, 'ip', ['addr', 'add', '192.168.1.20/24', 'dev', 'eth0']);
      lab.startFrr(CONF);
      await waitUntil('bgpd', () => lab.vtysh('show bgp summary json').length > 0, 15000);
      const common = ['--peer', '192.168.1.1', '--my-asn', '64501', '--peer-asn', '64500', '--connect-time', '3'];
      lab.announce(0, [...common, '--password', 's3cret-key', '--prefix', '198.51.100.0/24']);
      lab.announce(1, [...common, '--password', 'wrong-key', '--prefix', '198.51.101.0/24']);
      lab.announce(2, [...common, '--hold-time', '3', '--ebgp-multihop', '--prefix', '198.51.102.0/24']);
      lab.announce(3, [...common, '--hold-time', '3', '--prefix', '198.51.103.0/24']);
      lab.announce(4, [...common, '--source-address', '192.168.1.20', '--prefix', '198.51.104.0/24']);
    } catch (err) {
      lab.down();
      throw err;
    }
  });
  afterAll(() => lab.down());

  test('TCP-MD5 with the right key → session up, route in the RIB', async () => {
    await waitUntil('198.51.100.0/24', () => routes()['198.51.100.0/24'], 40000);
  });

  test('wrong key → no session', async () => {
    await waitUntil('two connect attempts by the wrong-key speaker', () => lab.speakers[1]!.output.filter((l) => l.includes('connectFailed')).length >= 2, 30000);
    expect(routes()['198.51.101.0/24']).toBeUndefined();
  });

  test('GTSM (ttl-security hops 1): TTL 255 with --ebgp-multihop passes, TTL 1 does not', async () => {
    await waitUntil('198.51.102.0/24', () => routes()['198.51.102.0/24'], 40000);
    await waitUntil('two failed attempts at TTL 1', () => lab.speakers[3]!.output.filter((l) => /connectFailed|sessionDown/.test(l)).length >= 2, 30000).catch((e) => {
      throw new Error(`${(e as Error).message}\n${lab.speakers[3]!.output.slice(-6).join('\n')}\n${JSON.stringify(routes())}`);
    });
    expect(routes()['198.51.103.0/24']).toBeUndefined();
  });

  test('--source-address: the session comes from the chosen address (native fd + bind)', async () => {
    await waitUntil('198.51.104.0/24', () => routes()['198.51.104.0/24'], 40000);
    const r = lab.vtyshJson<{ paths: Array<{ peer: { peerId: string } }> }>('show bgp ipv4 unicast 198.51.104.0/24 json');
    expect(r.paths[0]!.peer.peerId).toBe('192.168.1.20');
  });
});
