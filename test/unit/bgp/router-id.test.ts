// Default BGP identifier: the session's IPv4, else the node's IPv4 (IPv6-only peering from a dual-stack node).
import type { NetworkInterfaceInfo } from 'node:os';
import { BgpSession } from '../../../plugins/bgp/session';
import { NO_ROUTER_ID, pickRouterId, type InterfaceTable } from '../../../plugins/bgp/router-id';
import { FakePeer } from './fake-peer';

const addr = (address: string, internal = false): NetworkInterfaceInfo =>
  address.includes(':')
    ? { address, family: 'IPv6', internal, netmask: 'ffff:ffff:ffff:ffff::', mac: '00:00:00:00:00:00', cidr: `${address}/64`, scopeid: 0 }
    : { address, family: 'IPv4', internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: `${address}/24` };

const LO = [addr('127.0.0.1', true), addr('::1', true)];

describe('pickRouterId', () => {
  test('an IPv4 session uses its local address (also IPv4-mapped)', () => {
    expect(pickRouterId('192.168.1.10', {})).toBe('192.168.1.10');
    expect(pickRouterId('::ffff:192.168.1.10', {})).toBe('192.168.1.10');
  });

  test('an IPv6 session takes the IPv4 of the interface that holds its address', () => {
    const t: InterfaceTable = { lo: LO, eth0: [addr('10.9.0.1'), addr('fd00:9::1')], eth1: [addr('192.168.1.10'), addr('fd00:1::a')] };
    expect(pickRouterId('fd00:1::a', t)).toBe('192.168.1.10');
    expect(pickRouterId('FD00:1::A', t)).toBe('192.168.1.10');
  });

  test('otherwise the highest non-loopback IPv4 of the node, link-local last', () => {
    const t: InterfaceTable = { lo: LO, eth0: [addr('fd00:1::a')], eth1: [addr('10.0.0.5'), addr('169.254.9.9')], eth2: [addr('10.0.0.20')] };
    expect(pickRouterId('fd00:1::a', t)).toBe('10.0.0.20');
    expect(pickRouterId('fd00:1::a', { eth0: [addr('fd00:1::a'), addr('169.254.1.1')] })).toBe('169.254.1.1');
  });

  test('undefined only when the node has no IPv4 besides loopback', () => {
    expect(pickRouterId('fd00:1::a', { lo: LO, eth0: [addr('fd00:1::a')] })).toBeUndefined();
    expect(pickRouterId('fd00:1::a', { lo: [addr('127.0.0.2')] })).toBeUndefined();
  });
});

describe('BgpSession over IPv6 without a configured router ID', () => {
  const cleanup: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  async function start(interfaces: InterfaceTable) {
    const peer = new FakePeer({ asn: 65000 });
    const port = await peer.listen('::1');
    const conn = peer.nextConnection();
    const s = new BgpSession({ peerAddress: '::1', peerPort: port, myAsn: 65001, peerAsn: 65000, interfaces: () => interfaces, backoff: { unitMs: 50, maxMs: 200 } });
    cleanup.push(async () => {
      await s.stop({ timeoutMs: 500 });
      await peer.close();
    });
    return { s, peer, conn };
  }

  test('sends the node IPv4 as BGP identifier and comes up', async () => {
    const { s, conn } = await start({ lo: LO, eth0: [addr('fd00:1::a'), addr('192.168.1.10')] });
    const up = new Promise<void>((resolve) => s.once('established', () => resolve()));
    s.start();
    const c = await conn;
    const open = await c.waitFor((m) => m.type === 'open');
    expect(open.type === 'open' && open.open.bgpId).toBe('192.168.1.10');
    await up;
    expect(s.session?.routerId).toBe('192.168.1.10');
  });

  test('a node without IPv4 gets a clear error instead of a session', async () => {
    const { s } = await start({ lo: LO, eth0: [addr('fd00:1::a')] });
    const down = new Promise<string>((resolve) => s.once('down', (reason: string) => resolve(reason)));
    s.start();
    expect(await down).toContain(NO_ROUTER_ID);
    expect(s.state).not.toBe('Established');
  });
});
