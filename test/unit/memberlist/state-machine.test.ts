// Suspicion math (Go's test table), broadcast queue, awareness and the membership state machine.
import { Awareness } from '../../../src/memberlist/awareness';
import { BroadcastQueue, retransmitLimit } from '../../../src/memberlist/broadcast-queue';
import { Membership, MembershipEvent } from '../../../src/memberlist/membership';
import { DEFAULT_VSN, MessageType, NodeStateType, decodeAlive } from '../../../src/memberlist/messages';
import { profileTimings } from '../../../src/memberlist/profiles';
import { remainingSuspicionTime, suspicionTimeout } from '../../../src/memberlist/suspicion';

describe('suspicion timing', () => {
  test('suspicionTimeout scales with log10(n)', () => {
    expect(suspicionTimeout(3, 1, 1000)).toBe(3000);
    expect(suspicionTimeout(3, 10, 1000)).toBe(3000);
    expect(suspicionTimeout(3, 100, 1000)).toBe(6000);
    expect(suspicionTimeout(5, 1000, 1000)).toBe(15000);
    expect(suspicionTimeout(4, 3, 1000)).toBe(4000);
  });
  test.each([
    [0, 3, 0, 30000],
    [1, 3, 2000, 14000],
    [2, 3, 3000, 4810],
    [3, 3, 4000, -2000],
    [4, 3, 5000, -3000],
    [5, 3, 10000, -8000],
  ])('remaining(n=%i, k=%i, elapsed=%i) = %i (Go table)', (n, k, elapsed, want) => {
    expect(remainingSuspicionTime(n, k, elapsed, 2000, 30000)).toBe(want);
  });
});

describe('broadcast queue', () => {
  test('retransmit limit', () => {
    expect(retransmitLimit(4, 3)).toBe(4);
    expect(retransmitLimit(4, 10)).toBe(8);
    expect(retransmitLimit(4, 99)).toBe(8);
  });
  test('newer news about a node replaces older; sent limit times; least-sent first', () => {
    let n = 3;
    const q = new BroadcastQueue(() => 1, () => n);
    const finished: string[] = [];
    q.queue('a', Buffer.from('a1'), () => finished.push('a1'));
    q.queue('a', Buffer.from('a2'));
    q.queue(undefined, Buffer.from('x'));
    expect(finished).toEqual(['a1']);
    expect(q.length).toBe(2);
    expect(q.getBroadcasts(2, 100).map(String).sort()).toEqual(['a2', 'x']);
    expect(q.length).toBe(0);
    n = 100;
    q.queue('b', Buffer.from('bbbbbbbbbb'));
    q.queue('c', Buffer.from('c'));
    // Only room for one: the newest wins.
    expect(q.getBroadcasts(2, 5).map(String)).toEqual(['c']);
    expect(q.getBroadcasts(2, 12).map(String)).toEqual(['bbbbbbbbbb']);
  });
});

test('awareness scales timeouts and saturates', () => {
  const a = new Awareness(3);
  a.applyDelta(-1);
  expect(a.healthScore()).toBe(0);
  a.applyDelta(5);
  expect(a.healthScore()).toBe(2);
  expect(a.scaleTimeout(100)).toBe(300);
});

describe('membership state machine', () => {
  // Suspicion timers on jest's clock: a loaded machine cannot reorder them against the test's waits.
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());
  const ip = (x: number): Buffer => Buffer.from([10, 0, 0, x]);
  function setup(timings = {}) {
    const events: Array<[MembershipEvent, string, number]> = [];
    const broadcasts = new BroadcastQueue(() => 4, () => m.numNodes());
    const m: Membership = new Membership({
      selfName: 'me',
      timings: () => profileTimings('fast', { probeIntervalMs: 10, suspicionMult: 2, ...timings }),
      broadcasts,
      awareness: new Awareness(8),
      emit: (ev, n) => events.push([ev, n.name, n.incarnation]),
      log: () => undefined,
    });
    m.aliveNode({ incarnation: m.nextIncarnation(), node: 'me', addr: ip(1), port: 7946, meta: null, vsn: DEFAULT_VSN }, true);
    const sent = (): Buffer[] => broadcasts.getBroadcasts(2, 65000);
    return { m, events, sent };
  }
  afterEach(() => jest.useRealTimers());

  test('join, stale alive ignored, meta change is an update', () => {
    const { m, events } = setup();
    m.aliveNode({ incarnation: 3, node: 'b', addr: ip(2), port: 7946, meta: null, vsn: DEFAULT_VSN }, false);
    m.aliveNode({ incarnation: 2, node: 'b', addr: ip(2), port: 7946, meta: Buffer.from('x'), vsn: DEFAULT_VSN }, false);
    m.aliveNode({ incarnation: 4, node: 'b', addr: ip(2), port: 7946, meta: Buffer.from('y'), vsn: DEFAULT_VSN }, false);
    expect(events.map((e) => e[0] + ':' + e[1])).toEqual(['join:me', 'join:b', 'update:b']);
    // A different address for a live node is a conflict and is ignored.
    m.aliveNode({ incarnation: 9, node: 'b', addr: ip(9), port: 7946, meta: null, vsn: DEFAULT_VSN }, false);
    expect(m.byName.get('b')!.addr).toEqual(ip(2));
    expect(m.byName.get('b')!.incarnation).toBe(4);
  });

  test('bad protocol versions are ignored', () => {
    const { m } = setup();
    m.aliveNode({ incarnation: 1, node: 'b', addr: ip(2), port: 7946, meta: null, vsn: Buffer.from([0, 0, 0, 0, 0, 0]) }, false);
    expect(m.byName.has('b')).toBe(false);
  });

  test('suspect → dead after the suspicion timeout; alive with higher incarnation revives', async () => {
    const { m, events } = setup();
    m.aliveNode({ incarnation: 1, node: 'b', addr: ip(2), port: 7946, meta: null, vsn: DEFAULT_VSN }, false);
    m.suspectNode({ incarnation: 1, node: 'b', from: 'me' });
    expect(m.byName.get('b')!.state).toBe(NodeStateType.Suspect);
    expect(m.live().map((n) => n.name).sort()).toEqual(['b', 'me']);
    await jest.advanceTimersByTimeAsync(60);
    expect(m.byName.get('b')!.state).toBe(NodeStateType.Dead);
    m.aliveNode({ incarnation: 2, node: 'b', addr: ip(2), port: 7946, meta: null, vsn: DEFAULT_VSN }, false);
    expect(events.map((e) => e[0] + ':' + e[1])).toEqual(['join:me', 'join:b', 'suspect:b', 'dead:b', 'join:b']);
    m.shutdown();
  });

  test('suspect refuted by a newer alive cancels the timer', async () => {
    const { m, events } = setup();
    m.aliveNode({ incarnation: 1, node: 'b', addr: ip(2), port: 7946, meta: null, vsn: DEFAULT_VSN }, false);
    m.suspectNode({ incarnation: 1, node: 'b', from: 'c' });
    m.aliveNode({ incarnation: 2, node: 'b', addr: ip(2), port: 7946, meta: null, vsn: DEFAULT_VSN }, false);
    await jest.advanceTimersByTimeAsync(60);
    expect(m.byName.get('b')!.state).toBe(NodeStateType.Alive);
    expect(events.map((e) => e[0])).toEqual(['join', 'join', 'suspect', 'alive']);
  });

  test('suspicion or death of ourselves is refuted with a higher incarnation', () => {
    const { m, sent } = setup();
    sent();
    m.suspectNode({ incarnation: 1, node: 'me', from: 'x' });
    let out = sent();
    expect(out).toHaveLength(1);
    expect(out[0]![0]).toBe(MessageType.Alive);
    expect(decodeAlive(out[0]!.subarray(1)).incarnation).toBe(2);
    m.deadNode({ incarnation: 7, node: 'me', from: 'x' });
    out = sent();
    expect(decodeAlive(out[0]!.subarray(1)).incarnation).toBe(8);
    expect(m.self!.state).toBe(NodeStateType.Alive);
  });

  test('dead with From == Node means left; remote dead in push/pull only suspects', () => {
    const { m, events } = setup();
    m.aliveNode({ incarnation: 1, node: 'b', addr: ip(2), port: 7946, meta: null, vsn: DEFAULT_VSN }, false);
    m.aliveNode({ incarnation: 1, node: 'c', addr: ip(3), port: 7946, meta: null, vsn: DEFAULT_VSN }, false);
    m.deadNode({ incarnation: 1, node: 'b', from: 'b' });
    expect(m.byName.get('b')!.state).toBe(NodeStateType.Left);
    m.mergeState([{ name: 'c', addr: ip(3), port: 7946, meta: null, incarnation: 1, state: NodeStateType.Dead, vsn: DEFAULT_VSN }]);
    expect(m.byName.get('c')!.state).toBe(NodeStateType.Suspect);
    expect(events.map((e) => e[0] + ':' + e[1]).slice(-2)).toEqual(['left:b', 'suspect:c']);
    m.shutdown();
  });

  test('confirmations shorten suspicion (k = mult − 2)', async () => {
    const { m } = setup({ suspicionMult: 4, suspicionMaxTimeoutMult: 100, probeIntervalMs: 10 });
    for (const [i, n] of ['b', 'c', 'd', 'e'].entries()) m.aliveNode({ incarnation: 1, node: n, addr: ip(2 + i), port: 7946, meta: null, vsn: DEFAULT_VSN }, false);
    m.suspectNode({ incarnation: 1, node: 'b', from: 'c' });
    await jest.advanceTimersByTimeAsync(80);
    expect(m.byName.get('b')!.state).toBe(NodeStateType.Suspect); // max = 4000 ms
    m.suspectNode({ incarnation: 1, node: 'b', from: 'd' });
    m.suspectNode({ incarnation: 1, node: 'b', from: 'e' });
    await jest.advanceTimersByTimeAsync(80);
    expect(m.byName.get('b')!.state).toBe(NodeStateType.Dead); // k confirmations → min = 40 ms
  });
});

test('kRandomNodes always finds the only eligible peer and never repeats', async () => {
  const { kRandomNodes } = await import('../../../src/memberlist/membership');
  const mk = (name: string, state = NodeStateType.Alive) => ({ name, addr: Buffer.alloc(4), port: 1, meta: null, incarnation: 1, state, stateChange: 0, vsn: DEFAULT_VSN });
  const nodes = [mk('me'), mk('target'), mk('peer'), mk('gone', NodeStateType.Dead)];
  for (let i = 0; i < 2000; i++) {
    const got = kRandomNodes(3, nodes, (n) => n.name === 'me' || n.name === 'target' || n.state !== NodeStateType.Alive);
    expect(got.map((n) => n.name)).toEqual(['peer']);
  }
  const many = Array.from({ length: 20 }, (_, i) => mk(`n${i}`));
  const pick = kRandomNodes(5, many, () => false);
  expect(new Set(pick.map((n) => n.name)).size).toBe(5);
});
