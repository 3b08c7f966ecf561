// BfdSession pairs over 127.0.0.1 with the native TTL helper: Up, detection on silence, AdminDown, TTL-255 check.
import * as dgram from 'node:dgram';
import { Registry } from 'prom-client';
import { loadSockopt } from '../../../plugins/bgp/native';
import { BfdState, encodeBfdControl } from '../../../plugins/bgp/bfd/codec';
import { BfdSession } from '../../../plugins/bgp/bfd/session';
import { BfdTransport } from '../../../plugins/bgp/bfd/transport';
import { silentLogger } from '../../../src/core/log';
import { captureLogger } from '../layer2/fakes';

const native = loadSockopt();
// The native helper is built by `npm run build` (CI): without it this must fail, not skip.
const d = native?.udpOpen || process.env.CI ? describe : describe.skip;

const FAST = { receiveInterval: 20, transmitInterval: 20, detectMultiplier: 3 };

function waitFor(what: string, emitter: NodeJS.EventEmitter, event: string, ms = 5000): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    emitter.once(event, (v: unknown) => {
      clearTimeout(t);
      resolve(v);
    });
  });
}

d('BfdSession over loopback', () => {
  const base = 41000 + (process.pid % 2000) * 2;
  const transports: BfdTransport[] = [];
  const sessions: BfdSession[] = [];
  afterEach(() => {
    for (const s of sessions.splice(0)) s.stop();
    for (const t of transports.splice(0)) t.close();
  });

  function pair(metrics?: Registry) {
    const ta = new BfdTransport({ port: base, peerPort: base + 1, logger: silentLogger() });
    const tb = new BfdTransport({ port: base + 1, peerPort: base, logger: silentLogger() });
    transports.push(ta, tb);
    const a = new BfdSession('127.0.0.1', FAST, ta, { logger: silentLogger(), metrics });
    const b = new BfdSession('127.0.0.1', FAST, tb, { logger: silentLogger() });
    sessions.push(a, b);
    return { a, b, ta, tb };
  }

  test('two sessions come Up; silence of one takes the other Down with diag 1; metrics', async () => {
    const metrics = new Registry();
    const { a, b, tb } = pair(metrics);
    const up = Promise.all([waitFor('a up', a, 'up'), waitFor('b up', b, 'up')]);
    a.start();
    b.start();
    await up;
    expect([a.state, b.state]).toEqual(['Up', 'Up']);
    let text = await metrics.metrics();
    expect(text).toMatch(/metallb_bfd_session_up\{peer="127\.0\.0\.1"\} 1/);
    expect(text).toMatch(/metallb_bfd_session_up_events\{peer="127\.0\.0\.1"\} 1/);
    expect(text).toMatch(/metallb_bfd_control_packet_input\{peer="127\.0\.0\.1"\} [1-9]/);
    const down = waitFor('a down', a, 'down');
    tb.close(); // b's node dies: no AdminDown, just silence
    expect(await down).toEqual({ diag: 1, from: 'Up' });
    text = await metrics.metrics();
    expect(text).toMatch(/metallb_bfd_session_down_events\{peer="127\.0\.0\.1"\} 1/);
    expect(text).toMatch(/metallb_bfd_session_up\{peer="127\.0\.0\.1"\} 0/);
  });

  test('stop() sends AdminDown: the peer goes Down with diag 3 at once', async () => {
    const { a, b } = pair();
    const up = Promise.all([waitFor('a up', a, 'up'), waitFor('b up', b, 'up')]);
    a.start();
    b.start();
    await up;
    const down = waitFor('a down', a, 'down');
    b.stop();
    expect(await down).toEqual({ diag: 3, from: 'Up' });
  });

  const pkt = encodeBfdControl({
    diag: 0, state: BfdState.Down, poll: false, final: false, controlPlaneIndependent: false, demand: false,
    detectMult: 3, myDiscriminator: 9, yourDiscriminator: 0, desiredMinTxUs: 1e6, requiredMinRxUs: 1e6, requiredMinEchoRxUs: 0,
  });

  /** Sends `pkt` at each TTL to the transport on `base` and waits (bounded) until each was delivered or dropped. */
  async function deliverAt(t: BfdTransport, seen: number[], ttls: number[]): Promise<void> {
    const before = seen.length + t.dropped.ttl;
    const sock = dgram.createSocket('udp4');
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    for (const ttl of ttls) {
      sock.setTTL(ttl);
      await new Promise<void>((r) => sock.send(pkt, base, '127.0.0.1', () => r()));
    }
    for (let i = 0; i < 100 && seen.length + t.dropped.ttl < before + ttls.length; i++) await new Promise((r) => setTimeout(r, 20));
    sock.close();
  }

  test('single hop: packets that did not arrive with TTL 255 are dropped before the state machine', async () => {
    const t = new BfdTransport({ port: base, peerPort: base + 1, logger: silentLogger() });
    transports.push(t);
    const seen: number[] = [];
    t.register('127.0.0.1', (p) => seen.push(p.state), 10);
    await deliverAt(t, seen, [64, 255]);
    expect(t.dropped.ttl).toBe(1);
    expect(seen).toEqual([BfdState.Down]);
  });

  test('multihop: the minimum TTL (default 254) decides', async () => {
    const t = new BfdTransport({ multihop: true, port: base, peerPort: base + 1, logger: silentLogger() });
    transports.push(t);
    const seen: number[] = [];
    const off = t.register('127.0.0.1', (p) => seen.push(p.state));
    await deliverAt(t, seen, [253, 254]);
    expect([t.dropped.ttl, seen.length]).toEqual([1, 1]);
    off();
    t.register('127.0.0.1', (p) => seen.push(p.state), 10);
    await deliverAt(t, seen, [9, 10]);
    expect([t.dropped.ttl, seen.length]).toEqual([2, 2]);
  });

  test('TTL drops are a warning naming the TTL seen and the minimum, once per registration', async () => {
    const { logger, lines } = captureLogger();
    const t = new BfdTransport({ multihop: true, port: base, peerPort: base + 1, logger });
    transports.push(t);
    const seen: number[] = [];
    t.register('127.0.0.1', (p) => seen.push(p.state));
    await deliverAt(t, seen, [64, 64, 64]);
    expect(t.dropped.ttl).toBe(3);
    const warnings = lines.filter((l) => l.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ event: 'bfdTtlDrop', peer: '127.0.0.1', ttl: 64, minimumTtl: 254 });
    expect(lines.filter((l) => l.event === 'bfdTtlDrop')).toHaveLength(3);
    expect(warnings[0]?.msg).toMatch(/arrive with TTL 64, below the minimum 254.*lower the BFDProfile minimumTtl to at most 64/);
  });
});
