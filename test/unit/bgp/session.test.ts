// BgpSession against a scripted peer on 127.0.0.1: OPEN checks, timers, incremental UPDATEs, Cease, backoff.
import { Registry } from 'prom-client';
import { BgpSession } from '../../../plugins/bgp/session';
import { backoffDelay, negotiateTimers, resolveOptions } from '../../../plugins/bgp/session-options';
import { encodeKeepalive, encodeRouteRefresh, type BgpMessage } from '../../../plugins/bgp/codec';
import { FakePeer } from './fake-peer';
import { loadSockopt } from '../../../plugins/bgp/native';
import pino from 'pino';

const isNotif = (code: number, subcode: number) => (m: BgpMessage) =>
  m.type === 'notification' && m.notification.code === code && m.notification.subcode === subcode;
const nlriOf = (m: BgpMessage) => (m.type === 'update' ? [...m.result.update.nlri, ...(m.result.update.attributes.mpReach?.nlri ?? [])] : []);
const withdrawnOf = (m: BgpMessage) => (m.type === 'update' ? [...m.result.update.withdrawn, ...(m.result.update.attributes.mpUnreach?.withdrawn ?? [])] : []);

const sessions: BgpSession[] = [];
const peers: FakePeer[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop({ timeoutMs: 500 })));
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function setup(peerOpts: ConstructorParameters<typeof FakePeer>[0], sessionOpts: Partial<ConstructorParameters<typeof BgpSession>[0]> = {}) {
  const peer = new FakePeer(peerOpts);
  peers.push(peer);
  const port = await peer.listen();
  const conn = peer.nextConnection();
  const s = new BgpSession({ peerAddress: '127.0.0.1', peerPort: port, myAsn: 65001, peerAsn: peerOpts!.asn, routerId: '10.0.0.1', backoff: { unitMs: 50, maxMs: 200 }, ...sessionOpts });
  sessions.push(s);
  s.start();
  return { peer, s, c: await conn };
}

function established(s: BgpSession): Promise<void> {
  return new Promise((resolve) => (s.state === 'Established' ? resolve() : s.once('established', () => resolve())));
}

describe('session options', () => {
  test('backoff 0,1,2,4… capped', () => {
    expect([0, 1, 2, 3, 4, 8, 20].map((a) => backoffDelay(a))).toEqual([0, 1000, 2000, 4000, 8000, 120000, 120000]);
  });
  test('timers negotiate to the minimum, keepalive hold/3', () => {
    expect(negotiateTimers(90, 9)).toEqual({ hold: 9, keepalive: 3 });
    expect(negotiateTimers(90, 0)).toEqual({ hold: 0, keepalive: 0 });
    expect(negotiateTimers(30, 90, 5)).toEqual({ hold: 30, keepalive: 5 });
  });
  test('bad hold time rejected', () => {
    expect(() => resolveOptions({ peerAddress: '1.1.1.1', myAsn: 1, peerAsn: 2, holdTime: 2 })).toThrow(/hold time/);
  });
});

describe('BgpSession', () => {
  test('establishes, sends End-of-RIB, then one small UPDATE per change', async () => {
    const metrics = new Registry();
    const { s, c } = await setup({ asn: 65000, hold: 9 }, { metrics });
    s.announce('192.168.1.240/32', { communities: [65000 * 65536 + 1] });
    await established(s);
    expect(s.session).toMatchObject({ hold: 9, keepalive: 3, asn4: true, families: [4, 6] });
    const first = await c.waitFor((m) => nlriOf(m).includes('192.168.1.240/32'));
    expect(first.type === 'update' && first.result.update.attributes).toMatchObject({ origin: 0, asPath: [{ type: 2, asns: [65001] }], nextHop: '127.0.0.1', communities: [65000 * 65536 + 1] });
    await c.waitFor((m) => m.type === 'update' && m.result.update.nlri.length === 0 && Object.keys(m.result.update.attributes).length === 0);
    const before = c.messages.length;
    s.announce('2001:db8::/64');
    const v6 = await c.waitFor((m) => nlriOf(m).includes('2001:db8::/64'));
    expect(v6.type === 'update' && v6.result.update.attributes.mpReach?.nextHops).toEqual(['::ffff:7f00:1']);
    s.withdraw('192.168.1.240/32');
    await c.waitFor((m) => withdrawnOf(m).includes('192.168.1.240/32'));
    expect(c.messages.slice(before).filter((m) => m.type === 'update')).toHaveLength(2);
    const text = await metrics.metrics();
    expect(text).toMatch(/metallb_bgp_session_up\{peer="127.0.0.1:\d+"\} 1/);
    expect(text).toMatch(/metallb_bgp_announced_prefixes_total\{peer="127.0.0.1:\d+"\} 1/);
    expect(text).toMatch(/metallb_bgp_updates_total\{peer="127.0.0.1:\d+"\} 3/);
  });

  test('iBGP: empty AS_PATH and LOCAL_PREF; large communities', async () => {
    const { s, c } = await setup({ asn: 65001 });
    s.announce('10.0.0.0/24', { localPref: 200, largeCommunities: [{ global: 65001, local1: 1, local2: 2 }] });
    const m = await c.waitFor((x) => nlriOf(x).length > 0);
    expect(m.type === 'update' && m.result.update.attributes).toMatchObject({ asPath: [], localPref: 200, largeCommunities: [{ global: 65001, local1: 1, local2: 2 }] });
  });

  test('4-byte ASN towards a 2-byte-only peer: AS_TRANS in AS_PATH, real ASN in AS4_PATH', async () => {
    const { s, c } = await setup({ asn: 65000, asn4: false }, { myAsn: 4200000001 });
    const open = await c.waitFor((m) => m.type === 'open');
    expect(open.type === 'open' && open.open.myAs).toBe(23456);
    s.announce('10.1.0.0/16');
    const m = await c.waitFor((x) => nlriOf(x).length > 0);
    expect(m.type === 'update' && m.result.update.attributes).toMatchObject({ asPath: [{ type: 2, asns: [23456] }], as4Path: [{ type: 2, asns: [4200000001] }] });
  });

  test('wrong peer ASN → NOTIFICATION 2/2', async () => {
    const { c } = await setup({ asn: 65099 }, { peerAsn: 65000 });
    await c.waitFor(isNotif(2, 2));
  });

  test('peer hold time 2 → NOTIFICATION 2/6', async () => {
    const { c } = await setup({ asn: 65000, hold: 2 });
    await c.waitFor(isNotif(2, 6));
  });

  test('silent peer → receive hold timer expires, NOTIFICATION 4/0, reconnect', async () => {
    const { s, c, peer } = await setup({ asn: 65000, hold: 3 }, { holdTime: 3 });
    await established(s);
    c.socket.pause(); // keep the speaker's keepalives unread; send nothing
    const t0 = Date.now();
    const next = peer.nextConnection(8000);
    c.socket.resume();
    await c.waitFor(isNotif(4, 0), 6000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2500);
    await next;
  }, 15000);

  test('keepalives every hold/3 keep the session up', async () => {
    const { s, c } = await setup({ asn: 65000, hold: 3 }, { holdTime: 3 });
    await established(s);
    const timer = setInterval(() => c.send(encodeKeepalive()), 1000);
    await new Promise((r) => setTimeout(r, 4000));
    clearInterval(timer);
    expect(s.state).toBe('Established');
    expect(c.messages.filter((m) => m.type === 'keepalive').length).toBeGreaterThanOrEqual(3);
  }, 10000);

  test('an IPv6 next hop missing at Established (interface not yet running) is looked up again, and the table re-sent with it', async () => {
    const eth = (v6: boolean) => ({
      eth9: [{ address: '127.0.0.1', family: 'IPv4', internal: false }, ...(v6 ? [{ address: 'fd00:9::1', family: 'IPv6', internal: false }] : [])],
    }) as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
    let running = false;
    const { s, c } = await setup({ asn: 65000, hold: 3 }, { holdTime: 3, interfaces: () => eth(running) });
    s.announce('2001:db8::/64');
    await established(s);
    const keepalives = setInterval(() => c.send(encodeKeepalive()), 1000);
    try {
      const first = await c.waitFor((m) => nlriOf(m).includes('2001:db8::/64'));
      expect(first.type === 'update' && first.result.update.attributes.mpReach?.nextHops).toEqual(['::ffff:7f00:1']);
      running = true;
      const again = await c.waitFor((m) => m !== first && nlriOf(m).includes('2001:db8::/64'), 5000);
      expect(again.type === 'update' && again.result.update.attributes.mpReach?.nextHops).toEqual(['fd00:9::1']);
    } finally {
      clearInterval(keepalives);
    }
  }, 10000);

  test('route refresh re-sends the Adj-RIB-Out', async () => {
    const { s, c } = await setup({ asn: 65000 });
    s.announce('10.2.0.0/16');
    s.announce('10.3.0.0/16');
    await c.waitFor((m) => nlriOf(m).includes('10.3.0.0/16'));
    const n = c.messages.length;
    c.send(encodeRouteRefresh({ afi: 1, subtype: 0, safi: 1 }));
    await new Promise((r) => setTimeout(r, 300));
    const again = c.messages.slice(n).flatMap(nlriOf).sort();
    expect(again).toEqual(['10.2.0.0/16', '10.3.0.0/16']);
  });

  test('stop: withdraws and sends Cease/administrative shutdown', async () => {
    const { s, c } = await setup({ asn: 65000 });
    s.announce('10.4.0.0/16');
    await c.waitFor((m) => nlriOf(m).length > 0);
    await s.stop();
    await c.waitFor((m) => withdrawnOf(m).includes('10.4.0.0/16'));
    await c.waitFor(isNotif(6, 2));
    await c.closed;
    expect(s.state).toBe('Idle');
  });

  test('reconnects with backoff after the peer closes', async () => {
    const { s, c, peer } = await setup({ asn: 65000 });
    await established(s);
    const next = peer.nextConnection(3000);
    c.socket.destroy();
    await next;
    await established(s);
  });

  test('routes announced before Established survive a failed attempt and a later reset: each new connection gets the whole table', async () => {
    let n = 0;
    const { s, peer } = await setup({
      asn: 65000,
      onConnect: (c) => {
        // 1st connection: the peer hangs up before OPEN; later ones answer normally.
        if (n++ === 0) c.socket.destroy();
        else {
          c.send(FakePeer.defaultOpen({ asn: 65000 }));
          c.send(encodeKeepalive());
        }
      },
    });
    s.announce('10.7.0.0/16');
    s.announce('10.8.0.1/32');
    const second = await peer.nextConnection(3000);
    await established(s);
    await second.waitFor((m) => nlriOf(m).includes('10.8.0.1/32'));
    expect(second.messages.flatMap(nlriOf).sort()).toEqual(['10.7.0.0/16', '10.8.0.1/32']);
    // A withdrawal while the session is down is not re-sent as an announcement.
    const third = peer.nextConnection(3000);
    second.socket.destroy();
    await new Promise((r) => setTimeout(r, 20));
    s.withdraw('10.7.0.0/16');
    const c3 = await third;
    await c3.waitFor((m) => nlriOf(m).includes('10.8.0.1/32'));
    await c3.waitFor((m) => m.type === 'update' && m.result.update.nlri.length === 0 && Object.keys(m.result.update.attributes).length === 0);
    expect(c3.messages.flatMap(nlriOf)).toEqual(['10.8.0.1/32']);
  });

  test('graceful restart capability advertised', async () => {
    const { c } = await setup({ asn: 65000 }, { gracefulRestart: { restartTime: 120 } });
    const open = await c.waitFor((m) => m.type === 'open');
    expect(open.type === 'open' && open.open.capabilities.find((x) => x.code === 64)).toMatchObject({ restartTime: 120 });
  });

  test('families limited to what the peer offers', async () => {
    const { s, c } = await setup({ asn: 65000, afis: [{ afi: 1, safi: 1 }] });
    s.announce('2001:db8:1::/48');
    s.announce('10.5.0.0/16');
    await c.waitFor((m) => nlriOf(m).includes('10.5.0.0/16'));
    await new Promise((r) => setTimeout(r, 100));
    expect(c.messages.flatMap(nlriOf)).not.toContain('2001:db8:1::/48');
    expect(s.session?.families).toEqual([4]);
  });
});

describe('families and VRF', () => {
  test('OPEN offers only the configured families (a single-family BGPPeer session)', async () => {
    const { s, c } = await setup({ asn: 65000 }, { families: [4] });
    const open = await c.waitFor((m) => m.type === 'open');
    const mp = open.type === 'open' ? open.open.capabilities.filter((x) => x.code === 1) : [];
    expect(mp).toEqual([expect.objectContaining({ afi: 1, safi: 1 })]);
    s.announce('2001:db8:1::/48');
    s.announce('10.5.0.0/16');
    await c.waitFor((m) => nlriOf(m).includes('10.5.0.0/16'));
    expect(s.session?.families).toEqual([4]);
    expect(c.messages.flatMap(nlriOf)).not.toContain('2001:db8:1::/48');
  });

  const nativeBuilt = loadSockopt()?.bindToDevice !== undefined && process.getuid?.() === 0;
  // CI builds the native helper and runs as root: there this must run.
  (nativeBuilt || process.env.CI ? test : test.skip)('a VRF device that does not exist: located error, never Established, retried', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as Record<string, unknown>) });
    const s = new BgpSession({ peerAddress: '127.0.0.1', peerPort: 1, myAsn: 65001, peerAsn: 65000, vrf: 'nodev9z', vrfSource: 'BGPPeer/r1.spec.vrf', backoff: { unitMs: 20, maxMs: 40 }, logger });
    sessions.push(s);
    const downs: string[] = [];
    s.on('down', (r: string) => downs.push(r));
    s.start();
    for (let i = 0; i < 100 && downs.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    expect(downs.slice(0, 2)).toEqual([
      'BGPPeer/r1.spec.vrf: no network device "nodev9z" on this node (a VRF or interface name is expected)',
      'BGPPeer/r1.spec.vrf: no network device "nodev9z" on this node (a VRF or interface name is expected)',
    ]);
    expect(s.lastError).toMatch(/^BGPPeer\/r1\.spec\.vrf: no network device "nodev9z"/);
    expect(lines.find((l) => l.event === 'vrfMissing')).toMatchObject({ level: 50, vrf: 'nodev9z' });
  });
});

describe('siblingAddress', () => {
  const { siblingAddress } = jest.requireActual<typeof import('../../../plugins/bgp/local-addresses')>('../../../plugins/bgp/local-addresses');
  const ifs = {
    lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }, { address: '::1', family: 'IPv6', internal: true }],
    eth0: [
      { address: '192.168.1.10', family: 'IPv4', internal: false },
      { address: 'fe80::1', family: 'IPv6', internal: false },
      { address: 'fd00:1::a', family: 'IPv6', internal: false },
    ],
  } as unknown as NodeJS.Dict<import('node:os').NetworkInterfaceInfo[]>;
  test('finds the other family on the same interface, global scope only', () => {
    expect(siblingAddress('192.168.1.10', 6, ifs)).toBe('fd00:1::a');
    expect(siblingAddress('fd00:1::a', 4, ifs)).toBe('192.168.1.10');
    expect(siblingAddress('127.0.0.1', 6, ifs)).toBeUndefined();
  });
});

describe('option validation', () => {
  test.each([
    [{ routerId: '1.2.3' }, /router ID/],
    [{ routerId: '::1' }, /router ID/],
    [{ peerAddress: 'router.example' }, /peer address/],
    [{ nextHopV6: '10.0.0.1' }, /IPv6 next hop/],
    [{ peerPort: 70000 }, /peer port/],
    [{ gracefulRestart: { restartTime: 5000 } }, /graceful restart/],
    [{ vrf: 'a-name-longer-than-15' }, /vrf must be a network device name/],
    [{ vrf: 'red blue' }, /vrf must be a network device name/],
    [{ families: [] }, /families must be/],
    [{ families: [4, 4] as Array<4 | 6> }, /families must be/],
  ])('%j rejected', (bad, msg) => {
    expect(() => resolveOptions({ peerAddress: '10.0.0.1', myAsn: 1, peerAsn: 2, ...bad })).toThrow(msg);
  });
});

test('an UPDATE that cannot be encoded resets the session with Cease instead of crashing', async () => {
  const { s, c } = await setup({ asn: 65000 });
  await established(s);
  s.announce('10.6.0.0/16', { communities: Array.from({ length: 1100 }, (_, i) => i) });
  await c.waitFor(isNotif(6, 0));
});
