// BgpAnnouncer with BFD: a peer naming a BFDProfile gets a BFD session whose Down drops the BGP session at once.
import { EventEmitter } from 'node:events';
import { BgpAnnouncer } from '../../../plugins/bgp/announcer';
import type { BfdLike, BfdSessions } from '../../../plugins/bgp/bfd/peer-bfd';
import type { BfdProfile, Peer, PluginConfigView } from '../../../src/core/plugin-api';
import { fakePluginContext } from '../../support/fake-plugin-context';
import { FakeSession } from './fake-session';
import { bgpView, peerFixture } from './peer-fixture';

class FakeBfd extends EventEmitter implements BfdLike {
  state = 'Down';
  started = false;
  stopped = false;
  constructor(
    readonly peer: Peer,
    readonly profile: BfdProfile,
  ) {
    super();
  }
  start() {
    this.started = true;
  }
  stop() {
    this.stopped = true;
  }
}

const peer = (name: string, extra: Partial<Peer> = {}): Peer => peerFixture(name, { peerAddress: '10.0.0.1', ...extra });
const profile = (name: string, extra: Partial<BfdProfile> = {}): BfdProfile => ({ name, receiveInterval: 100, transmitInterval: 100, detectMultiplier: 3, source: { path: name }, ...extra });

function setup() {
  const sessions: FakeSession[] = [];
  const bfds: FakeBfd[] = [];
  let closed = 0;
  const ctx = fakePluginContext();
  const bfdSessions: BfdSessions = {
    create: (p, prof) => {
      const b = new FakeBfd(p, prof);
      bfds.push(b);
      return b;
    },
    close: () => void closed++,
  };
  const a = new BgpAnnouncer(
    ctx,
    (o) => {
      const s = new FakeSession(o);
      sessions.push(s);
      return s;
    },
    bfdSessions,
  );
  const view = (peers: Peer[], bfdProfiles: BfdProfile[]): PluginConfigView => bgpView(peers, { bfdProfiles });
  return { a, sessions, bfds, view, closed: () => closed };
}

test('a peer with bfdProfile gets a started BFD session with that profile; one without gets none', async () => {
  const { a, bfds, view } = setup();
  await a.setConfig(view([peer('r1', { bfdProfile: 'fast' }), peer('r2', { peerAddress: '10.0.0.2' })], [profile('fast')]));
  expect(bfds.map((b) => [b.peer.name, b.profile.name, b.started])).toEqual([['r1', 'fast', true]]);
  expect(a.status().details).toEqual({
    sessions: [
      { peer: 'r1', address: '10.0.0.1', state: 'Established', announced: 0, bfd: 'Down' },
      { peer: 'r2', address: '10.0.0.2', state: 'Established', announced: 0 },
    ],
  });
});

test('BFD Down resets the BGP session at once; BFD Up again skips the reconnect backoff', async () => {
  const { a, sessions, bfds, view } = setup();
  await a.setConfig(view([peer('r1', { bfdProfile: 'fast' })], [profile('fast')]));
  bfds[0]!.emit('down', { diag: 1, from: 'Up' });
  expect(sessions[0]!.resets).toEqual(['BFD down (diag 1)']);
  expect(sessions[0]!.retries).toBe(0);
  bfds[0]!.emit('up');
  expect(sessions[0]!.retries).toBe(1);
});

test('a changed profile replaces the peer and its BFD session; shutdown stops BFD and closes the transport', async () => {
  const { a, sessions, bfds, view, closed } = setup();
  await a.setConfig(view([peer('r1', { bfdProfile: 'fast' })], [profile('fast')]));
  await a.setConfig(view([peer('r1', { bfdProfile: 'fast' })], [profile('fast', { detectMultiplier: 5 })]));
  expect(bfds.map((b) => [b.profile.detectMultiplier, b.stopped])).toEqual([
    [3, true],
    [5, false],
  ]);
  expect(sessions.map((s) => s.stopped)).toEqual([true, false]);
  await a.shutdown();
  expect(bfds[1]!.stopped).toBe(true);
  expect(closed()).toBe(1);
});
