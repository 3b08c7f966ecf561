// Fuzzes the BFD codec and state machine: decode throws only BfdDecodeError; accepted packets round-trip; the FSM never throws.
import fc from 'fast-check';
import { BfdDecodeError, decodeBfdControl, encodeBfdControl } from '../../plugins/bgp/bfd/codec';
import { BfdStateMachine } from '../../plugins/bgp/bfd/fsm';
import { bfdPacket, mutatedBfdBytes } from '../unit/bgp/bfd-arbitraries';

// BFD packets are tiny: a tenth of the BGP budget covers them well.
const TOTAL = Math.max(10, Math.floor(Number(process.env.FUZZ_RUNS ?? 100000) / 10));
const runs = (share: number) => Math.max(10, Math.floor(TOTAL * share));

function decodeOrDiscard(b: Buffer) {
  try {
    return decodeBfdControl(b);
  } catch (e) {
    if (!(e instanceof BfdDecodeError)) throw e;
    return undefined;
  }
}

describe('bfd fuzz', () => {
  jest.setTimeout(600_000);

  test('mutated packets: only BfdDecodeError; what decodes re-encodes to the same bytes', () => {
    fc.assert(
      fc.property(mutatedBfdBytes, (b) => {
        const p = decodeOrDiscard(b);
        if (p) expect(encodeBfdControl(p).equals(b.subarray(0, b[3]))).toBe(true);
      }),
      { numRuns: runs(0.6) },
    );
  });

  test('random bytes: only BfdDecodeError', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (u) => void decodeOrDiscard(Buffer.from(u))), { numRuns: runs(0.2) });
  });

  test('the state machine takes any decoded packet stream without throwing', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(bfdPacket, mutatedBfdBytes.map(decodeOrDiscard)), { maxLength: 20 }), (packets) => {
        const m = new BfdStateMachine(9, { desiredMinTxUs: 100_000, requiredMinRxUs: 100_000, detectMult: 3, passive: false }, () => 0.5);
        m.step({ type: 'start' });
        for (const packet of packets) if (packet) m.step({ type: 'rx', packet });
        m.step({ type: 'detectTimer' });
      }),
      { numRuns: runs(0.2) },
    );
  });
});
