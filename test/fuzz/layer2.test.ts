// Fuzzes the ARP/NDP decoders: random and mutated frames must decode or throw Layer2DecodeError, nothing else.
import fc from 'fast-check';
import { decodeArpFrame, decodeNdp, encodeArpFrame, encodeNdp, Layer2DecodeError, type NdpMessage } from '../../plugins/layer2/codec';
import { arbArpFrame, arbNdpMessage } from '../unit/layer2/arbitraries';
import { silentLogger } from '../../src/core/log';
import { Layer2Responders } from '../../plugins/layer2/responders';
import { FakeInterfaces, FakeTransports, iface } from '../unit/layer2/fakes';

const TOTAL = Number(process.env.FUZZ_RUNS ?? 100000);
const RUNS = Math.max(1, Math.floor((TOTAL * 0.97) / 4));
const RESPONDER_RUNS = Math.max(1, Math.floor(TOTAL * 0.03));

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
  it('NDP: mutated valid messages', () => {
    fc.assert(fc.property(mutated(arbNdpMessage.map(encodeNdp)), (b) => onlyDecodeErrors(decodeNdp, b)), { numRuns: RUNS });
  });
});
