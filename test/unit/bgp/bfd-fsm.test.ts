// BFD state machine (RFC 5880 §6.2/§6.8) driven by hand and by a simulated pair exchanging packets.
import fc from 'fast-check';
import { BfdDiag, BfdState, decodeBfdControl, encodeBfdControl, type BfdControlPacket } from '../../../plugins/bgp/bfd/codec';
import { BfdStateMachine, SLOW_TX_US, type BfdAction, type BfdTimers } from '../../../plugins/bgp/bfd/fsm';
import { bfdControl, bfdPacket } from './bfd-arbitraries';

const FAST: BfdTimers = { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3, passive: false };
const sent = (actions: BfdAction[]) => actions.flatMap((a) => (a.type === 'send' ? [a.packet] : []));
const states = (actions: BfdAction[]) => actions.flatMap((a) => (a.type === 'state' ? [[a.from, a.to, a.diag]] : []));
const lastArm = (actions: BfdAction[], type: 'armTx' | 'armDetect') => actions.filter((a) => a.type === type).map((a) => (a as { us: number }).us).pop();
const pkt = (over: Partial<BfdControlPacket>): BfdControlPacket => bfdControl({ myDiscriminator: 77, desiredMinTxUs: 300_000, requiredMinRxUs: 300_000, ...over });

/** Two machines; delivers every sent packet to the other side (through the codec) until quiet. */
function pair(a: BfdStateMachine, b: BfdStateMachine) {
  const deliver = (from: BfdStateMachine, actions: BfdAction[], hops = 0): void => {
    if (hops > 20) throw new Error('packet storm');
    const to = from === a ? b : a;
    for (const p of sent(actions)) deliver(to, to.step({ type: 'rx', packet: decodeBfdControl(encodeBfdControl(p)) }), hops + 1);
  };
  return { deliver, tick: (m: BfdStateMachine) => deliver(m, m.step({ type: 'txTimer' })) };
}

describe('BfdStateMachine', () => {
  test('three-way handshake to Up; slow 1 s transmission until Up, configured rate after (with a Poll)', () => {
    const a = new BfdStateMachine(1, FAST, () => 0.5);
    const b = new BfdStateMachine(2, FAST, () => 0.5);
    const startA = a.step({ type: 'start' });
    expect(lastArm(startA, 'armTx')).toBe(Math.floor(SLOW_TX_US * 0.875));
    b.step({ type: 'start' });
    const link = pair(a, b);
    link.tick(a);
    expect([a.stateName, b.stateName]).toEqual(['Up', 'Up']);
    expect(a.remoteDiscriminator).toBe(2);
    const up = a.step({ type: 'txTimer' });
    expect(sent(up)[0]).toMatchObject({ state: BfdState.Up, desiredMinTxUs: 100_000, yourDiscriminator: 2 });
    expect(lastArm(up, 'armTx')).toBe(Math.floor(100_000 * 0.875));
    expect(a.detectionTimeUs).toBe(300_000);
  });

  test('the Poll that announces the faster rate is answered with Final and then stops', () => {
    const a = new BfdStateMachine(1, FAST, () => 0);
    const b = new BfdStateMachine(2, FAST, () => 0);
    a.step({ type: 'start' });
    b.step({ type: 'start' });
    const link = pair(a, b);
    link.tick(a);
    const polls = sent(a.step({ type: 'txTimer' }));
    // The exchange above already carried Poll and Final: no Poll is pending any more.
    expect(polls[0]!.poll).toBe(false);
    const answer = sent(b.step({ type: 'rx', packet: { ...polls[0]!, poll: true } }));
    expect(answer).toEqual([expect.objectContaining({ final: true, poll: false, state: BfdState.Up })]);
  });

  test('detection timer expiry in Up → Down with diag 1, remote discriminator forgotten', () => {
    const m = new BfdStateMachine(5, FAST, () => 0);
    m.step({ type: 'start' });
    m.step({ type: 'rx', packet: pkt({ state: BfdState.Init, yourDiscriminator: 5 }) });
    expect(m.stateName).toBe('Up');
    const out = m.step({ type: 'detectTimer' });
    expect(states(out)).toEqual([[BfdState.Up, BfdState.Down, BfdDiag.ControlDetectionTimeExpired]]);
    expect(sent(out)[0]).toMatchObject({ state: BfdState.Down, diag: 1, yourDiscriminator: 0 });
    expect(m.remoteDiscriminator).toBe(0);
  });

  test('each valid packet re-arms detection: remote Detect Mult × max(our RequiredMinRx, their DesiredMinTx)', () => {
    const m = new BfdStateMachine(5, FAST, () => 0);
    m.step({ type: 'start' });
    expect(lastArm(m.step({ type: 'rx', packet: pkt({ detectMult: 4, desiredMinTxUs: 50_000 }) }), 'armDetect')).toBe(400_000);
    expect(lastArm(m.step({ type: 'rx', packet: pkt({ state: BfdState.Init, yourDiscriminator: 5, detectMult: 2, desiredMinTxUs: 250_000 }) }), 'armDetect')).toBe(500_000);
  });

  test('neighbor AdminDown or Down takes an Up session Down with diag 3', () => {
    for (const remote of [BfdState.AdminDown, BfdState.Down]) {
      const m = new BfdStateMachine(5, FAST, () => 0);
      m.step({ type: 'start' });
      m.step({ type: 'rx', packet: pkt({ state: BfdState.Init, yourDiscriminator: 5 }) });
      const out = m.step({ type: 'rx', packet: pkt({ state: remote, yourDiscriminator: 5 }) });
      expect(states(out)).toEqual([[BfdState.Up, BfdState.Down, BfdDiag.NeighborSignaledSessionDown]]);
    }
  });

  test('RFC 5880 §6.8.6 transition table', () => {
    const table: Array<[number, number, number]> = [
      [BfdState.Down, BfdState.Down, BfdState.Init],
      [BfdState.Down, BfdState.Init, BfdState.Up],
      [BfdState.Down, BfdState.Up, BfdState.Down],
      [BfdState.Init, BfdState.Down, BfdState.Init],
      [BfdState.Init, BfdState.Init, BfdState.Up],
      [BfdState.Init, BfdState.Up, BfdState.Up],
      [BfdState.Up, BfdState.Init, BfdState.Up],
      [BfdState.Up, BfdState.Up, BfdState.Up],
    ];
    for (const [local, remote, expected] of table) {
      const m = new BfdStateMachine(5, FAST, () => 0);
      m.step({ type: 'start' });
      if (local !== BfdState.Down) m.step({ type: 'rx', packet: pkt({ state: BfdState.Down }) });
      if (local === BfdState.Up) m.step({ type: 'rx', packet: pkt({ state: BfdState.Init, yourDiscriminator: 5 }) });
      expect(m.sessionState).toBe(local);
      m.step({ type: 'rx', packet: pkt({ state: remote as 0, yourDiscriminator: remote === BfdState.Down ? 0 : 5 }) });
      expect([local, remote, m.sessionState]).toEqual([local, remote, expected]);
    }
  });

  test('a packet for another discriminator or with authentication is discarded', () => {
    const m = new BfdStateMachine(5, FAST, () => 0);
    m.step({ type: 'start' });
    expect(m.step({ type: 'rx', packet: pkt({ yourDiscriminator: 6 }) })).toEqual([]);
    expect(m.lastDiscard).toBe('your-discriminator-mismatch');
    expect(m.step({ type: 'rx', packet: pkt({ auth: { type: 1, data: Buffer.from('x') } }) })).toEqual([]);
    expect(m.lastDiscard).toBe('authentication');
    expect(m.stateName).toBe('Down');
  });

  test('passive mode sends nothing until the peer has spoken, then answers', () => {
    const m = new BfdStateMachine(5, { ...FAST, passive: true }, () => 0);
    expect(m.step({ type: 'start' })).toEqual([{ type: 'armTx', us: 0 }]);
    expect(sent(m.step({ type: 'txTimer' }))).toEqual([]);
    const out = m.step({ type: 'rx', packet: pkt({}) });
    expect(sent(out)[0]).toMatchObject({ state: BfdState.Init, yourDiscriminator: 77 });
    expect(lastArm(out, 'armTx')).toBeGreaterThan(0);
  });

  test('a peer asking for RequiredMinRx 0 gets no periodic packets', () => {
    const m = new BfdStateMachine(5, FAST, () => 0);
    m.step({ type: 'start' });
    const out = m.step({ type: 'rx', packet: pkt({ requiredMinRxUs: 0 }) });
    expect(lastArm(out, 'armTx')).toBe(0);
  });

  test('admin down: says so once (diag 7) and then ignores the peer', () => {
    const m = new BfdStateMachine(5, FAST, () => 0);
    m.step({ type: 'start' });
    const out = m.step({ type: 'adminDown' });
    expect(sent(out)[0]).toMatchObject({ state: BfdState.AdminDown, diag: BfdDiag.AdministrativelyDown });
    m.step({ type: 'rx', packet: pkt({}) });
    expect(m.lastDiscard).toBe('admin-down');
    expect(m.stateName).toBe('AdminDown');
  });

  test('transmit jitter stays within 75–100% (75–90% with Detect Mult 1)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 0.9999999, noNaN: true }), fc.boolean(), (r, one) => {
        const m = new BfdStateMachine(5, { ...FAST, detectMult: one ? 1 : 3 }, () => r);
        const us = lastArm(m.step({ type: 'start' }), 'armTx')!;
        expect(us).toBeGreaterThanOrEqual(0.75 * SLOW_TX_US);
        expect(us).toBeLessThanOrEqual((one ? 0.9 : 1) * SLOW_TX_US);
      }),
    );
  });

  test('any packet sequence leaves a valid state and only encodable packets', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(bfdPacket.map((packet) => ({ type: 'rx' as const, packet })), fc.constantFrom({ type: 'txTimer' as const }, { type: 'detectTimer' as const })), { maxLength: 30 }), (events) => {
        const m = new BfdStateMachine(5, FAST, () => 0.3);
        m.step({ type: 'start' });
        for (const e of events) {
          for (const p of sent(m.step(e))) expect(decodeBfdControl(encodeBfdControl(p))).toEqual(p);
          expect([0, 1, 2, 3]).toContain(m.sessionState);
        }
      }),
      { numRuns: 500 },
    );
  });
});
