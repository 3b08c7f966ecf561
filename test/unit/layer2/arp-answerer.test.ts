// The native answer thread's decision (arp_answerer.c, called through answerFrame) against ArpResponder.handleFrame on the same frames, and the JS half of the native path: table pushes, counts, request lines, claims.
import fc from 'fast-check';
import { Registry } from 'prom-client';
import { addonPath, nativeArpDecision, type ArpAnswererEvents } from '../../../plugins/layer2/afpacket';
import { ArpResponder } from '../../../plugins/layer2/arp-responder';
import { decodeArpFrame, encodeArpFrame, macToBuffer, type ArpFrame } from '../../../plugins/layer2/codec';
import type { Claim } from '../../../plugins/layer2/duplicates';
import { Layer2Metrics } from '../../../plugins/layer2/metrics';
import { Layer2Responders } from '../../../plugins/layer2/responders';
import type { AnsweringArpTransport, FrameTransport, TransportFactory } from '../../../plugins/layer2/transport';
import { arbArpFrame, arbMac } from './arbitraries';
import { captureLogger, FakeInterfaces, FakeTransports, iface } from './fakes';

const OUR_MAC = '02:00:00:00:00:0b';
const VIPS = ['192.168.1.240', '192.168.1.241', '10.0.0.1'];

/** Frames around the interesting cases: our MAC or broadcast as destination, owned IPs as sender/target, requests. */
const arbNearFrame: fc.Arbitrary<ArpFrame> = fc.record({
  ethDst: fc.oneof(fc.constant('ff:ff:ff:ff:ff:ff'), fc.constant(OUR_MAC), arbMac),
  ethSrc: arbMac,
  op: fc.oneof(fc.constant(1), fc.constant(2), fc.integer({ min: 0, max: 0xffff })),
  senderMac: fc.oneof(fc.constant(OUR_MAC), arbMac),
  senderIp: fc.oneof(fc.constantFrom(...VIPS, '0.0.0.0'), fc.ipV4()),
  targetMac: arbMac,
  targetIp: fc.oneof(fc.constantFrom(...VIPS), fc.ipV4()),
});

/** The JS decision for `frame` with `answered` owned: the reply bytes sent (or null) and whether a claim was reported. */
function jsDecision(frame: Buffer, answered: string[]): { reply: Buffer | null; claim: boolean } {
  const sent: Buffer[] = [];
  const claims: Claim[] = [];
  const transport: FrameTransport = { send: (f) => sent.push(f), close: () => undefined };
  const transports: TransportFactory = { arp: () => transport, ndp: () => { throw new Error('no NDP'); } };
  const { logger } = captureLogger();
  const r = new ArpResponder({ iface: iface('eth0', 2, OUR_MAC), logger, requestLogLevel: 'debug', metrics: new Layer2Metrics(new Registry()), transports, onClaim: (c) => claims.push(c) });
  for (const ip of answered) r.answer(ip, true);
  r.handleFrame(frame);
  return { reply: sent[0] ?? null, claim: claims.length > 0 };
}

const native = addonPath() ? describe : describe.skip;
if (!addonPath() && process.env.CI) throw new Error('AF_PACKET addon not built: npm run build:native');

native('native ARP decision = ArpResponder.handleFrame', () => {
  it('answers and reports claims exactly as the JS responder, reply bytes included', () => {
    let answers = 0;
    let claims = 0;
    fc.assert(
      fc.property(fc.oneof(arbNearFrame, arbArpFrame), fc.subarray(VIPS), fc.integer({ min: 42, max: 64 }), (f, answered, len) => {
        const full = encodeArpFrame(f);
        const frame = len <= full.length ? full.subarray(0, len) : Buffer.concat([full, Buffer.alloc(len - full.length)]);
        const js = jsDecision(frame, answered);
        const c = nativeArpDecision(frame, macToBuffer(OUR_MAC), answered);
        expect(c.claim).toBe(js.claim);
        expect(c.reply === null ? null : c.reply.toString('hex')).toBe(js.reply === null ? null : js.reply.toString('hex'));
        if (js.reply) answers++;
        if (js.claim) claims++;
      }),
      { numRuns: 5000 },
    );
    // The generator must reach both outcomes, or agreeing proves little (typically 90-130 answers and 190-240 claims).
    expect(answers).toBeGreaterThan(25);
    expect(claims).toBeGreaterThan(25);
  });

  it('answers nothing for truncated or non-ARP frames, and never throws on garbage', () => {
    const req = encodeArpFrame({ ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: '02:00:00:00:00:64', op: 1, senderMac: '02:00:00:00:00:64', senderIp: '10.1.1.1', targetMac: '00:00:00:00:00:00', targetIp: VIPS[0]! });
    const mac = macToBuffer(OUR_MAC);
    expect(nativeArpDecision(req, mac, VIPS).reply).not.toBeNull();
    expect(nativeArpDecision(req.subarray(0, 41), mac, VIPS).reply).toBeNull();
    const ipv4 = Buffer.from(req);
    ipv4.writeUInt16BE(0x0800, 12);
    expect(nativeArpDecision(ipv4, mac, VIPS).reply).toBeNull();
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const r = nativeArpDecision(Buffer.from(bytes), mac, VIPS);
        expect(typeof r.claim).toBe('boolean');
      }),
      { numRuns: 3000 },
    );
  });
});

/** An answering transport that records its tables and lets the test play the native thread's reports. */
class FakeAnswering implements AnsweringArpTransport {
  answered = new Set<string>();
  calls = 0;
  logging?: boolean;
  yielding = false;
  sent: Buffer[] = [];
  closed = false;
  constructor(readonly events: ArpAnswererEvents) {}
  answerIp(ip: string, on: boolean): void {
    this.calls++;
    if (on) this.answered.add(ip);
    else this.answered.delete(ip);
  }
  logRequests(on: boolean): void {
    this.logging = on;
  }
  yieldOnClaim(on: boolean): void {
    this.yielding = on;
  }
  send(frame: Buffer): void {
    // The native table must already answer for an IP we announce: the old owner yields at this frame.
    const ip = decodeArpFrame(frame).senderIp;
    if (!this.answered.has(ip)) throw new Error(`gratuitous ARP for ${ip} before the thread answers it`);
    this.sent.push(frame);
  }
  close(): void {
    this.closed = true;
  }
  get table(): string[] {
    return [...this.answered].sort();
  }
}

class AnsweringTransports extends FakeTransports {
  answering = new Map<string, FakeAnswering>();
  arpAnswering(i: { name: string }, events: ArpAnswererEvents): FakeAnswering {
    const t = new FakeAnswering(events);
    this.answering.set(i.name, t);
    return t;
  }
}

describe('ArpResponder on an answering transport', () => {
  function setup(requestLogLevel: 'info' | 'debug' = 'info', level = 'debug') {
    const { logger, lines } = captureLogger();
    logger.level = level;
    const transports = new AnsweringTransports();
    const registry = new Registry();
    const l2 = new Layer2Responders({
      logger,
      registry,
      requestLogLevel,
      source: new FakeInterfaces([iface('eth0', 2, OUR_MAC), iface('eth1', 3, '02:00:00:00:00:0c')]),
      transports,
      ipv6: false,
      gratuitous: { intervalMs: 1000, durationMs: 500 },
      duplicateConfirmMs: 0,
    });
    l2.start();
    return { l2, transports, lines, registry };
  }

  it('gives each thread the IPv4 table of its interface, one change at a time, following announce, interfaces and withdraw', () => {
    const { l2, transports } = setup();
    const eth0 = transports.answering.get('eth0')!;
    const eth1 = transports.answering.get('eth1')!;
    for (let i = 1; i <= 50; i++) l2.announce(`10.0.0.${i}`);
    l2.announce('192.168.1.240', ['eth1']);
    l2.announce('fd00::1');
    expect(eth0.calls).toBe(50); // one per IPv4 address: no table rebuilds
    expect(eth0.table).toHaveLength(50);
    expect(eth1.table).toEqual([...eth0.table, '192.168.1.240'].sort());
    expect(eth0.sent.length).toBeGreaterThan(0); // gratuitous ARP goes through the same socket, after the table has the IP
    l2.withdraw('10.0.0.1');
    l2.announce('192.168.1.240', ['eth0']);
    expect(eth0.table).toContain('192.168.1.240');
    expect(eth0.table).not.toContain('10.0.0.1');
    expect(eth1.table).not.toContain('192.168.1.240');
    l2.stop();
    expect(eth0.closed && eth1.closed).toBe(true);
  });

  it('turns counts into MetalLB metrics, request reports into log lines, and claims into duplicate reports', async () => {
    const { l2, transports, lines, registry } = setup('info');
    const seen: Claim[] = [];
    l2.onDuplicate((c) => seen.push(c));
    l2.announce('192.168.1.240');
    const eth0 = transports.answering.get('eth0')!;
    expect(eth0.logging).toBe(true);
    eth0.events.counted('192.168.1.240', 7, 6);
    const metrics = await registry.getMetricsAsJSON();
    const value = (name: string) => metrics.find((m) => m.name === name)?.values.find((v) => v.labels.ip === '192.168.1.240')?.value;
    expect(value('metallb_layer2_requests_received')).toBe(7);
    expect(value('metallb_layer2_responses_sent')).toBe(6);
    const req = encodeArpFrame({ ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: '02:00:00:00:00:64', op: 1, senderMac: '02:00:00:00:00:64', senderIp: '10.9.9.9', targetMac: '00:00:00:00:00:00', targetIp: '192.168.1.240' });
    eth0.events.answered(req.subarray(0, 42), 1);
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'got ARP request for service IP, sending response', ip: '192.168.1.240', senderIP: '10.9.9.9', interface: 'eth0' }));
    const garp = encodeArpFrame({ ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: '02:00:00:00:00:99', op: 1, senderMac: '02:00:00:00:00:99', senderIp: '192.168.1.240', targetMac: '00:00:00:00:00:00', targetIp: '192.168.1.240' });
    eth0.events.claimed(garp.subarray(0, 42), 1);
    expect(seen).toEqual([expect.objectContaining({ ip: '192.168.1.240', mac: '02:00:00:00:00:99', kind: 'gratuitous-arp' })]);
    eth0.events.lost(5);
    eth0.events.sendFailed(new Error('sendmmsg(AF_PACKET): No buffer space available'), 3);
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, records: 5 }));
    expect(lines).toContainEqual(expect.objectContaining({ msg: 'failed to send ARP replies', unsent: 3 }));
    expect(decodeArpFrame(req).targetIp).toBe('192.168.1.240');
    l2.stop();
  });

  it('asks for request reports only when the request line would be written', () => {
    const quiet = setup('debug', 'info');
    expect(quiet.transports.answering.get('eth0')!.logging).toBe(false);
    quiet.l2.stop();
    const loud = setup('debug', 'debug');
    expect(loud.transports.answering.get('eth0')!.logging).toBe(true);
    loud.l2.stop();
  });

  it('stops answering an IP once another MAC takes it over during a handover', async () => {
    const { l2, transports } = setup();
    l2.announce('192.168.1.240');
    const eth0 = transports.answering.get('eth0')!;
    expect(eth0.yielding).toBe(false);
    const done = l2.handover(5000);
    expect(eth0.yielding).toBe(true);
    const garp = encodeArpFrame({ ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: '02:00:00:00:00:99', op: 2, senderMac: '02:00:00:00:00:99', senderIp: '192.168.1.240', targetMac: 'ff:ff:ff:ff:ff:ff', targetIp: '192.168.1.240' });
    eth0.events.claimed(garp.subarray(0, 42), 1);
    expect(eth0.table).not.toContain('192.168.1.240');
    await expect(done).resolves.toEqual({ claimed: { '192.168.1.240': '02:00:00:00:00:99' }, unclaimed: [] });
    l2.stop();
  });
});
