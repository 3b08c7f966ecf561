// ConnectionTimers with fake time: OPEN wait, receive hold, keepalives, and the send side of the hold timer.
import { ConnectionTimers, type TimerActions } from '../../../plugins/bgp/session-timers';

function recorder(): { fired: string[]; actions: TimerActions } {
  const fired: string[] = [];
  return {
    fired,
    actions: {
      openExpired: () => fired.push('open'),
      holdExpired: () => fired.push('hold'),
      sendHoldExpired: (n) => fired.push(`sendHold:${n}`),
      keepalive: () => fired.push('keepalive'),
    },
  };
}

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

test('no OPEN within the connect time fires openExpired; an OPEN in time cancels it', () => {
  const a = recorder();
  const t = new ConnectionTimers(a.actions);
  t.waitForOpen(3);
  jest.advanceTimersByTime(2999);
  expect(a.fired).toEqual([]);
  jest.advanceTimersByTime(1);
  expect(a.fired).toEqual(['open']);
  const b = recorder();
  const u = new ConnectionTimers(b.actions);
  u.waitForOpen(3);
  u.openReceived();
  jest.advanceTimersByTime(10_000);
  expect(b.fired).toEqual([]);
});

test('keepalives every keepalive interval; the hold timer fires only without received messages', () => {
  const a = recorder();
  const t = new ConnectionTimers(a.actions);
  t.start(9, 3, { writableLength: 0 });
  for (let i = 0; i < 4; i++) {
    jest.advanceTimersByTime(3000);
    t.received();
  }
  expect(a.fired).toEqual(['keepalive', 'keepalive', 'keepalive', 'keepalive']);
  jest.advanceTimersByTime(9000);
  expect(a.fired.filter((f) => f === 'hold')).toHaveLength(1);
  t.clear();
});

test('a send buffer that does not move for a hold time fires sendHoldExpired instead of a keepalive', () => {
  const a = recorder();
  const t = new ConnectionTimers(a.actions);
  const sock = { writableLength: 0 };
  t.start(9, 3, sock);
  sock.writableLength = 4096;
  for (let i = 0; i < 3; i++) {
    jest.advanceTimersByTime(3000);
    t.received();
  }
  expect(a.fired).toEqual(['keepalive', 'keepalive', 'keepalive']);
  jest.advanceTimersByTime(3000);
  expect(a.fired[3]).toBe('sendHold:4096');
  t.clear();
});

test('a draining socket never trips the send hold timer; hold 0 starts nothing; clear stops everything', () => {
  const a = recorder();
  const t = new ConnectionTimers(a.actions);
  const sock = { writableLength: 4096 };
  t.start(9, 3, sock);
  for (let i = 0; i < 6; i++) {
    jest.advanceTimersByTime(2000);
    t.drained();
    t.received();
  }
  expect(a.fired.some((f) => f.startsWith('sendHold'))).toBe(false);
  t.clear();
  const before = a.fired.length;
  jest.advanceTimersByTime(60_000);
  expect(a.fired).toHaveLength(before);
  const b = recorder();
  new ConnectionTimers(b.actions).start(0, 0, sock);
  jest.advanceTimersByTime(60_000);
  expect(b.fired).toEqual([]);
});
