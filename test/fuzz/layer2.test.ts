// Fuzzes the ARP/NDP decoders: random and mutated frames must decode or throw Layer2DecodeError, nothing else.
import fc from 'fast-check';
import { decodeArpFrame, decodeIcmpv6Frame, decodeNdp, encodeArpFrame, encodeIcmpv6Frame, encodeNdp, Layer2DecodeError, type NdpMessage } from '../../plugins/layer2/codec';
import { arbArpFrame, arbIpv6, arbMac, arbNdpMessage } from '../unit/layer2/arbitraries';
import { silentLogger } from '../../src/core/log';
import { Layer2Responders } from '../../plugins/layer2/responders';
import { FakeInterfaces, FakeTransports, iface } from '../unit/layer2/fakes';
import { addonPath, nativeArpDecision } from '../../plugins/layer2/afpacket';
import { macToBuffer } from '../../plugins/layer2/codec';
import { ArpResponder } from '../../plugins/layer2/arp-responder';
import { Layer2Metrics } from '../../plugins/layer2/metrics';
import type { TransportFactory } from '../../plugins/layer2/transport';
import { Registry } from 'prom-client';

const TOTAL = Number(process.env.FUZZ_RUNS ?? 100000);
const RUNS = Math.max(1, Math.floor((TOTAL * 0.97) / 4));
const RESPONDER_RUNS = Math.max(1, Math.floor(TOTAL * 0.03));
/** On top of TOTAL: the native answer thread's decision, compared with the JS responder's. */
const NATIVE_RUNS = Math.max(1, Math.floor(TOTAL * 0.1));

function onlyDecodeErrors(decode: (b: Buffer) => unknown, bytes: Uint8Array): void {
  try {
    decode(Buffer.from(bytes));
  } catch (e) {
    if (!(e instanceof Layer2DecodeError)) throw e;
  }
}

/** A valid encoding with some bytes overwritten and possibly truncated or extended. */
function mutated(valid: fc.Arbitrary<Buffer>): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(
      valid,
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
      fc.integer({ min: -8, max: 80 }),
      fc.uint8Array({ maxLength: 16 }),
    )
    .map(([buf, edits, cut, tail]) => {
      const b = Buffer.from(buf);
      for (const [pos, val] of edits) b[pos % b.length] = val;
      const body = cut < 0 ? b.subarray(0, Math.max(0, b.length + cut)) : b.subarray(0, Math.min(b.length, cut));
      return cut < 0 ? body : Buffer.concat([body, tail]);
    });
}

describe(`layer2 decoders under fuzz (${TOTAL} runs)`, () => {
  jest.setTimeout(600_000);

  it('ARP: random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => onlyDecodeErrors(decodeArpFrame, b)), { numRuns: RUNS });
  });
  it('ARP: mutated valid frames', () => {
    fc.assert(fc.property(mutated(arbArpFrame.map(encodeArpFrame)), (b) => onlyDecodeErrors(decodeArpFrame, b)), {
      numRuns: RUNS,
    });
  });
  it('NDP: random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 96 }), (b) => onlyDecodeErrors(decodeNdp, b)), { numRuns: RUNS });
  });
  it('responders: any frame or message is answered or dropped, never thrown', () => {
    const transports = new FakeTransports();
    const r = new Layer2Responders({ logger: silentLogger(), source: new FakeInterfaces([iface('eth0', 2, '02:00:00:00:00:0a')]), transports });
    r.start();
    r.announce('192.168.1.240');
    r.announce('fd00::f0');
    const arp = transports.arps.get('eth0')!;
    const ndp = transports.ndps.get('eth0')!;
    try {
      fc.assert(
        fc.property(
          // Valid requests for the owned IPs, then mutated: exercises the reply path, not only the drops.
          mutated(arbArpFrame.map((f) => encodeArpFrame({ ...f, op: 1, ethDst: 'ff:ff:ff:ff:ff:ff', targetIp: '192.168.1.240' }))),
          mutated(arbNdpMessage.map((m) => encodeNdp({ ...m, type: 135, target: 'fd00::f0' } as NdpMessage))),
          (a, n) => {
          arp.deliver(Buffer.from(a), 1);
          ndp.deliver(Buffer.from(n), 'fd00::64');
          arp.sent.length = 0;
          ndp.sent.length = 0;
          },
        ),
        { numRuns: RESPONDER_RUNS },
      );
    } finally {
      r.stop();
    }
  });
  (addonPath() || process.env.CI ? it : it.skip)("ARP: the native answer decision (C) on mutated frames = the JS responder's, reply bytes and claims", () => {
    const MAC = '02:00:00:00:00:0a';
    const VIPS = ['192.168.1.240', '192.168.1.241'];
    const sent: Buffer[] = [];
    let claims = 0;
    const transports: TransportFactory = { arp: () => ({ send: (f) => void sent.push(f), close: () => undefined }), ndp: () => { throw new Error('no NDP'); } };
    const js = new ArpResponder({ iface: iface('eth0', 2, MAC), logger: silentLogger(), requestLogLevel: 'debug', metrics: new Layer2Metrics(new Registry()), transports, onClaim: () => void claims++ });
    for (const ip of VIPS) js.answer(ip, true);
    const mac = macToBuffer(MAC);
    let claimed = 0;
    let answered = 0;
    const near = arbArpFrame.chain((f) =>
      fc
        .record({ senderIp: fc.constantFrom(f.senderIp, ...VIPS), targetIp: fc.constantFrom(f.targetIp, ...VIPS), op: fc.constantFrom(1, 2, f.op), ethDst: fc.constantFrom('ff:ff:ff:ff:ff:ff', MAC, f.ethDst) })
        .map((o) => encodeArpFrame({ ...f, ...o })),
    );
    fc.assert(
      fc.property(mutated(near), (bytes) => {
        const frame = Buffer.from(bytes);
        sent.length = 0;
        const before = claims;
        js.handleFrame(frame);
        const native = nativeArpDecision(frame, mac, VIPS);
        expect(native.claim).toBe(claims > before);
        expect(native.reply?.toString('hex') ?? null).toBe(sent[0]?.toString('hex') ?? null);
        if (native.claim) claimed++;
        if (native.reply) answered++;
      }),
      { numRuns: NATIVE_RUNS },
    );
    expect(claimed).toBeGreaterThan(0);
    expect(answered).toBeGreaterThan(0);
  });
  it('IPv6/ICMPv6 frames (what the NDP socket decodes): mutated valid frames', () => {
    const frames = fc
      .record({ ethDst: arbMac, ethSrc: arbMac, src: arbIpv6, dst: arbIpv6, hopLimit: fc.integer({ min: 0, max: 255 }), message: arbNdpMessage.map(encodeNdp) })
      .map(encodeIcmpv6Frame);
    fc.assert(fc.property(mutated(frames), (b) => onlyDecodeErrors(decodeIcmpv6Frame, b)), { numRuns: NATIVE_RUNS });
  });
  it('NDP: mutated valid messages', () => {
    fc.assert(fc.property(mutated(arbNdpMessage.map(encodeNdp)), (b) => onlyDecodeErrors(decodeNdp, b)), { numRuns: RUNS });
  });
});
