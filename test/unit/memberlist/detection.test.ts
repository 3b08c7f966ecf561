// Fast failure detection: urgent gossip hooks, the stall-aware suspicion timer, and a refused TCP
// ping ending a probe early. Fake timers: outcomes are checked at fixed virtual instants.
import { Awareness } from '../../../src/memberlist/awareness';
import { BroadcastQueue } from '../../../src/memberlist/broadcast-queue';
import { Membership } from '../../../src/memberlist/membership';
import { DEFAULT_VSN, MessageType, NodeStateType, decodeAlive, decodePing, decodeSuspect } from '../../../src/memberlist/messages';
import { Prober, type ProberDeps } from '../../../src/memberlist/prober';
import { profileTimings, type MemberlistTimings } from '../../../src/memberlist/profiles';
import { STALL_MS, Suspicion } from '../../../src/memberlist/suspicion';

const ip = (x: number): Buffer => Buffer.from([127, 0, 0, x]);

function cluster(timings = {}) {
  const urgent: Array<{ type: number; msg: Buffer; to?: string }> = [];
  const m: Membership = new Membership({
    selfName: 'me',
    timings: () => profileTimings('fast', timings),
    broadcasts: new BroadcastQueue(() => 4, () => m.numNodes()),
    awareness: new Awareness(4),
    emit: () => undefined,
    log: () => undefined,
    urgent: (msg, to) => urgent.push({ type: msg[0]!, msg, to: to?.name }),
  });
  for (const [i, name] of ['me', 'b', 'c'].entries()) {
    m.aliveNode({ incarnation: 1, node: name, addr: ip(i + 1), port: 7946, meta: null, vsn: DEFAULT_VSN }, name === 'me');
  }
  return { m, urgent };
}

/** A Prober of `me` on `m` with fast timings; `deps` replaces what a test drives (sends, TCP ping). */
function proberOn(m: Membership, timings: Partial<MemberlistTimings>, deps: Partial<ProberDeps> = {}): Prober {
  return new Prober({
    selfName: 'me',
    timings: profileTimings('fast', timings),
    tcpPings: false,
    membership: m,
    awareness: new Awareness(4),
    advertise: () => ({ addr: ip(1), host: '127.0.0.1', port: 7946 }),
    sendMsg: () => undefined,
    sendRaw: () => undefined,
    tcpPing: () => Promise.reject(new Error('unused')),
    log: { debug() {}, info() {}, warn() {}, error() {} },
    ...deps,
  });
}

afterEach(() => jest.useRealTimers());

describe('urgent news', () => {
  test('a new suspicion goes to the accused at once; a confirmation and a death are gossiped at once', () => {
    const { m, urgent } = cluster({ suspicionMult: 3 }); // k = 1: one confirmation counts
    m.suspectNode({ incarnation: 1, node: 'b', from: 'me' });
    expect(urgent).toHaveLength(1);
    expect(urgent[0]!.type).toBe(MessageType.Suspect);
    expect(urgent[0]!.to).toBe('b');
    expect(decodeSuspect(urgent[0]!.msg.subarray(1)).node).toBe('b');
    m.suspectNode({ incarnation: 1, node: 'b', from: 'c' });
    expect(urgent.map((u) => [u.type, u.to])).toEqual([
      [MessageType.Suspect, 'b'],
      [MessageType.Suspect, undefined],
    ]);
    m.deadNode({ incarnation: 1, node: 'b', from: 'c' });
    expect(urgent[2]).toMatchObject({ type: MessageType.Dead, to: undefined });
    m.shutdown();
  });

  test('a refutation goes straight back to the accuser', () => {
    const { m, urgent } = cluster();
    m.suspectNode({ incarnation: 1, node: 'me', from: 'c' });
    expect(urgent).toHaveLength(1);
    expect(urgent[0]!.to).toBe('c');
    expect(urgent[0]!.type).toBe(MessageType.Alive);
    expect(decodeAlive(urgent[0]!.msg.subarray(1)).incarnation).toBe(2);
  });
});

describe('stall-aware suspicion timer', () => {
  test('fires on time when we were running', () => {
    jest.useFakeTimers();
    const fired: number[] = [];
    new Suspicion('a', 0, 100, 300, (n) => fired.push(n));
    jest.advanceTimersByTime(99);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(2);
    expect(fired).toEqual([0]);
  });

  test('a late timer gives the accused the lost time back, at most `min` in total', () => {
    jest.useFakeTimers();
    const fired: number[] = [];
    const start = Date.now();
    new Suspicion('a', 0, 100, 300, (n) => fired.push(n));
    // The process was stalled for 400 ms: the wall clock moved on, the timer could not run.
    jest.setSystemTime(start + 400);
    jest.advanceTimersByTime(101); // runs 400 ms late: extended, not fired
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(98);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(3); // the extension is capped at min (100 ms), not the 400 ms lost
    expect(fired).toEqual([0]);
    expect(STALL_MS).toBeLessThan(100);
  });
});

describe('probe with a failing TCP ping', () => {
  /** State of b at virtual instants after a probe of b started at t = 0 (UDP pings unanswered). */
  async function stateOfB(tcpResult: NodeJS.ErrnoException | 'connected', at: number[], stalledNodeGraceMs = 900): Promise<NodeStateType[]> {
    jest.useFakeTimers();
    jest.spyOn(Math, 'random').mockReturnValue(0); // first probe at once
    const { m } = cluster();
    m.byName.get('c')!.state = NodeStateType.Dead; // b is the only node to probe
    const p = proberOn(m, { probeIntervalMs: 150, probeTimeoutMs: 80, stalledNodeGraceMs }, {
      tcpPings: true,
      tcpPing: () => (tcpResult === 'connected' ? new Promise((r) => setTimeout(() => r('connected'), 70)) : Promise.reject(tcpResult)),
    });
    p.start();
    const states: NodeStateType[] = [];
    let now = 0;
    for (const t of at) {
      await jest.advanceTimersByTimeAsync(t - now);
      now = t;
      states.push(m.byName.get('b')!.state);
    }
    p.stop();
    m.shutdown();
    jest.restoreAllMocks();
    return states;
  }

  test('ECONNREFUSED (nothing listens) ends the probe right after ProbeTimeout', async () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(await stateOfB(refused, [79, 100])).toEqual([NodeStateType.Alive, NodeStateType.Suspect]);
  });

  test('a TCP timeout waits for indirect acks until the end of the probe interval', async () => {
    const timeout = Object.assign(new Error('dial timed out'), { code: 'ETIMEDOUT' });
    expect(await stateOfB(timeout, [79, 100, 149, 160])).toEqual([NodeStateType.Alive, NodeStateType.Alive, NodeStateType.Alive, NodeStateType.Suspect]);
  });

  test('a node that accepts TCP but does not answer (stalled) is suspected only after stalledNodeGraceMs', async () => {
    // Excused for 900 ms from the first such probe, then suspected on the next failed probe.
    const states = await stateOfB('connected', [160, 800, 1000, 1400]);
    expect(states).toEqual([NodeStateType.Alive, NodeStateType.Alive, NodeStateType.Alive, NodeStateType.Suspect]);
  });

  test('with stalledNodeGraceMs 0 (lan, as Go) such a node is suspected at the end of the probe', async () => {
    expect(await stateOfB('connected', [149, 160], 0)).toEqual([NodeStateType.Alive, NodeStateType.Suspect]);
  });

  test('a probe whose deadline fired late (we were stalled) still takes an ack that comes after it', async () => {
    jest.useFakeTimers();
    jest.spyOn(Math, 'random').mockReturnValue(0);
    const { m } = cluster();
    m.byName.get('c')!.state = NodeStateType.Dead;
    const pings: number[] = [];
    const p = proberOn(m, { probeIntervalMs: 150, probeTimeoutMs: 80 }, {
      sendMsg: (_h, _p, msg) => {
        if (msg[0] === MessageType.Ping) pings.push(decodePing(msg.subarray(1)).seqNo);
      },
    });
    p.start();
    await jest.advanceTimersByTimeAsync(100);
    jest.setSystemTime(Date.now() + 300); // stalled: the deadline (150 ms) will run 300 ms late
    await jest.advanceTimersByTimeAsync(60);
    expect(m.byName.get('b')!.state).toBe(NodeStateType.Alive);
    p.handleAck({ seqNo: pings[0]!, payload: null });
    await jest.advanceTimersByTimeAsync(200);
    expect(m.byName.get('b')!.state).toBe(NodeStateType.Alive);
    p.stop();
    m.shutdown();
    jest.restoreAllMocks();
  });

  test('a real stall longer than two probe intervals: the ack read a few loop turns later still counts (real timers)', async () => {
    // The whole process stops right after the ping (all nodes of the cluster test share one process): every
    // timer is overdue at once when it resumes, and the ack is only read some I/O polls later.
    const { m } = cluster();
    m.byName.get('c')!.state = NodeStateType.Dead;
    let seqNo: number | undefined;
    const deliverLater = (seq: number, turns: number): void => {
      if (turns > 0) setImmediate(() => deliverLater(seq, turns - 1));
      else setTimeout(() => p.handleAck({ seqNo: seq, payload: null }), 5);
    };
    const p = proberOn(m, { probeIntervalMs: 100, probeTimeoutMs: 50 }, {
      sendMsg: (_h, _p, msg) => {
        if (msg[0] !== MessageType.Ping) return;
        const seq = decodePing(msg.subarray(1)).seqNo;
        // Later probes are answered at once; only the first one meets the stall.
        if (seqNo !== undefined) return deliverLater(seq, 0);
        seqNo = seq;
        const until = Date.now() + 400;
        while (Date.now() < until) {
          /* stalled */
        }
        deliverLater(seq, 2);
      },
    });
    jest.spyOn(Math, 'random').mockReturnValue(0);
    p.start();
    try {
      for (let i = 0; i < 100 && seqNo === undefined; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 400));
      expect(seqNo).toBeDefined();
      expect(m.byName.get('b')!.state).toBe(NodeStateType.Alive);
    } finally {
      p.stop();
      m.shutdown();
      jest.restoreAllMocks();
    }
  });
});
