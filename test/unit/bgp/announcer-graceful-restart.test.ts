// BgpAnnouncer and graceful restart: End-of-RIB released by the speaker's initial sync; shutdown keeps GR peers' routes at the router.
import { BgpAnnouncer } from '../../../plugins/bgp/announcer';
import type { BfdLike, BfdSessions } from '../../../plugins/bgp/bfd/peer-bfd';
import type { PluginConfigView } from '../../../src/core/plugin-api';
import { fakePluginContext } from '../../support/fake-plugin-context';
import { FakeSession } from './fake-session';
import { bgpView, peerFixture } from './peer-fixture';

const view = (peers: PluginConfigView['peers']): PluginConfigView => bgpView(peers);

function setup(initialSync?: Promise<void>) {
  const sessions: FakeSession[] = [];
  const a = new BgpAnnouncer(fakePluginContext([], { initialSync }), (o) => {
    const s = new FakeSession(o);
    sessions.push(s);
    return s;
  });
  return { a, sessions };
}

test('sessions created before the initial sync hold End-of-RIB until it is done; later ones do not', async () => {
  let done!: () => void;
  const sync = new Promise<void>((r) => (done = r));
  const { a, sessions } = setup(sync);
  await a.setConfig(view([peerFixture('r1', { enableGracefulRestart: true })]));
  expect(sessions[0]!.opts).toMatchObject({ deferEndOfRib: true, gracefulRestart: { restartTime: 120 } });
  expect(sessions[0]!.endOfRibReadyCalls).toBe(0);
  done();
  await sync;
  await Promise.resolve();
  expect(sessions[0]!.endOfRibReadyCalls).toBe(1);
  await a.setConfig(view([peerFixture('r1', { enableGracefulRestart: true }), peerFixture('r22')]));
  expect(sessions[1]!.opts.deferEndOfRib).toBe(false);
  await a.shutdown();
});

test('without an initial-sync signal End-of-RIB is never held', async () => {
  const { a, sessions } = setup();
  await a.setConfig(view([peerFixture('r1')]));
  expect(sessions[0]!.opts.deferEndOfRib).toBe(false);
  await a.shutdown();
});

test('shutdown: graceful close for peers with enableGracefulRestart, withdraw + Cease for the others; BFD stops after the GR close', async () => {
  const order: string[] = [];
  const bfd = (name: string): BfdLike => ({ state: 'up', on: () => undefined, start: () => undefined, stop: () => void order.push(`bfd ${name}`) });
  const bfdSessions: BfdSessions = { create: (p) => bfd(p.name), close: () => undefined };
  const sessions: FakeSession[] = [];
  const a = new BgpAnnouncer(
    fakePluginContext(),
    (o) => {
      const s = new FakeSession(o);
      const stop = s.stop.bind(s);
      s.stop = async (opts) => {
        order.push(`bgp ${o.name}`);
        await stop(opts);
      };
      sessions.push(s);
      return s;
    },
    bfdSessions,
  );
  const cfg = view([peerFixture('gr', { enableGracefulRestart: true, bfdProfile: 'fast' }), peerFixture('plain')]);
  cfg.bfdProfiles = [{ name: 'fast', receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3, source: { path: 'fast' } }];
  await a.setConfig(cfg);
  await a.shutdown();
  const byName = Object.fromEntries(sessions.map((s) => [s.opts.name, s.stopOpts]));
  expect(byName).toEqual({ gr: { graceful: true }, plain: { withdraw: true } });
  expect(order.indexOf('bfd gr')).toBeGreaterThan(order.indexOf('bgp gr'));
});
