// Graceful restart (RFC 4724) on a BgpSession against a scripted peer: R and F bits, End-of-RIB held until the table is complete, close without Cease.
import { BgpSession } from '../../../plugins/bgp/session';
import { encodeKeepalive, encodeOpenMessage, makeOpen, type BgpMessage, type Capability } from '../../../plugins/bgp/codec';
import { FakePeer, type PeerConnection } from './fake-peer';

const nlriOf = (m: BgpMessage) => (m.type === 'update' ? [...m.result.update.nlri, ...(m.result.update.attributes.mpReach?.nlri ?? [])] : []);
const isEndOfRib = (m: BgpMessage) => m.type === 'update' && m.result.update.nlri.length === 0 && m.result.update.withdrawn.length === 0 && !m.result.update.attributes.mpReach;
const grCapability = (m: BgpMessage) => (m.type === 'open' ? m.open.capabilities.find((c): c is Extract<Capability, { code: 64 }> => c.code === 64) : undefined);

/** A router in GR helper mode: it advertises the capability (restart time, no families), as FRR does by default. */
const helperOpen = (gracefulRestart: boolean) => {
  const open = makeOpen({ asn: 65000, holdTime: 90, bgpId: '10.9.9.9', afis: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }], gracefulRestart: gracefulRestart ? { restartTime: 120 } : undefined });
  return encodeOpenMessage(open);
};

const sessions: BgpSession[] = [];
const peers: FakePeer[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.stop({ timeoutMs: 500 })));
  await Promise.all(peers.splice(0).map((p) => p.close()));
});

async function setup(sessionOpts: Partial<ConstructorParameters<typeof BgpSession>[0]>, peerGr = true) {
  const peer = new FakePeer({
    asn: 65000,
    onConnect: (c) => {
      c.send(helperOpen(peerGr));
      c.send(encodeKeepalive());
    },
  });
  peers.push(peer);
  const port = await peer.listen();
  const conn = peer.nextConnection();
  const s = new BgpSession({ peerAddress: '127.0.0.1', peerPort: port, myAsn: 65001, peerAsn: 65000, routerId: '10.0.0.1', backoff: { unitMs: 50, maxMs: 200 }, ...sessionOpts });
  sessions.push(s);
  s.start();
  return { peer, s, c: await conn };
}

const established = (s: BgpSession) => new Promise<void>((resolve) => (s.state === 'Established' ? resolve() : s.once('established', () => resolve())));
const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

test('OPEN after a restart: R bit set, F bit per family, restart time; a later reconnection of the same process clears R', async () => {
  const { s, c, peer } = await setup({ gracefulRestart: { restartTime: 120 } });
  const cap = grCapability(await c.waitFor((m) => m.type === 'open'));
  expect(cap).toMatchObject({ restartTime: 120, restartFlags: 0x8 });
  expect(cap?.afis).toEqual([
    { afi: 1, safi: 1, flags: 0x80 },
    { afi: 2, safi: 1, flags: 0x80 },
  ]);
  await established(s);
  await c.waitFor(isEndOfRib);
  const next = peer.nextConnection(3000);
  c.socket.destroy();
  const again = grCapability(await (await next).waitFor((m) => m.type === 'open'));
  expect(again).toMatchObject({ restartTime: 120, restartFlags: 0 });
  expect(again?.afis.map((a) => a.flags)).toEqual([0x80, 0x80]);
});

test('forwardingPreserved false clears the F bit', async () => {
  const { c } = await setup({ gracefulRestart: { restartTime: 90, forwardingPreserved: false } });
  const cap = grCapability(await c.waitFor((m) => m.type === 'open'));
  expect(cap?.afis.map((a) => a.flags)).toEqual([0, 0]);
});

test('End-of-RIB is held until endOfRibReady, after every route announced meanwhile', async () => {
  const { s, c } = await setup({ gracefulRestart: { restartTime: 120 }, deferEndOfRib: true });
  s.announce('10.1.0.0/16');
  await established(s);
  await c.waitFor((m) => nlriOf(m).includes('10.1.0.0/16'));
  s.announce('10.2.0.0/16');
  await c.waitFor((m) => nlriOf(m).includes('10.2.0.0/16'));
  await settle();
  expect(c.messages.filter(isEndOfRib)).toHaveLength(0);
  s.announce('10.3.0.0/16');
  s.endOfRibReady();
  const eor = await c.waitFor(isEndOfRib);
  const lastRoute = c.messages.findIndex((m) => nlriOf(m).includes('10.3.0.0/16'));
  expect(lastRoute).toBeGreaterThan(-1);
  expect(c.messages.indexOf(eor)).toBeGreaterThan(lastRoute);
  // One End-of-RIB per negotiated family (IPv4 as a bare UPDATE, IPv6 as an empty MP_UNREACH).
  await settle();
  const updates = c.messages.filter((m) => m.type === 'update' && nlriOf(m).length === 0 && m.result.update.withdrawn.length === 0);
  expect(updates).toHaveLength(2);
});

test('graceful stop: no withdrawal, no NOTIFICATION, just the TCP close', async () => {
  const { s, c } = await setup({ gracefulRestart: { restartTime: 120 } });
  s.announce('10.4.0.0/16');
  await c.waitFor((m) => nlriOf(m).includes('10.4.0.0/16'));
  const before = c.messages.length;
  await s.stop({ graceful: true });
  await c.closed;
  expect(c.messages.slice(before).map((m) => m.type)).toEqual([]);
  expect(s.state).toBe('Idle');
});

test('graceful stop towards a peer without graceful restart still withdraws and sends Cease', async () => {
  const { s, c } = await setup({ gracefulRestart: { restartTime: 120 } }, false);
  s.announce('10.5.0.0/16');
  await c.waitFor((m) => nlriOf(m).includes('10.5.0.0/16'));
  await s.stop({ graceful: true });
  await c.closed;
  const after = c.messages.filter((m) => m.type === 'notification' || (m.type === 'update' && m.result.update.withdrawn.includes('10.5.0.0/16')));
  expect(after.map((m) => m.type)).toEqual(['update', 'notification']);
});

test('without graceful restart no capability is offered', async () => {
  const { c }: { c: PeerConnection } = await setup({});
  expect(grCapability(await c.waitFor((m) => m.type === 'open'))).toBeUndefined();
});
