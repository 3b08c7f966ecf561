// Fuzzes the BGP codec: decode must throw nothing but BgpDecodeError; valid values round-trip. FUZZ_RUNS sets the total.
import fc from 'fast-check';
import { BgpDecodeError, MessageFramer, decodeMessage, encodeUpdateMessage } from '../../plugins/bgp/codec';
import { mutatedMessage, updateMessage, wireMessage } from '../unit/bgp/arbitraries';
import { BgpSession } from '../../plugins/bgp/session';
import { FakePeer } from '../unit/bgp/fake-peer';

const TOTAL = Number(process.env.FUZZ_RUNS ?? 100000);
// Share of the total per property: mutation fuzzing gets most of it.
const runs = (share: number) => Math.max(10, Math.floor(TOTAL * share));

function onlyDecodeErrors(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof BgpDecodeError)) throw e;
  }
}

describe('bgp codec fuzz', () => {
  jest.setTimeout(600_000);

  test('mutated messages: decode throws only BgpDecodeError', () => {
    fc.assert(
      fc.property(mutatedMessage(true), fc.boolean(), fc.boolean(), (b, asn4, ebgp) => {
        onlyDecodeErrors(() => decodeMessage(b, { asn4, ebgp }));
      }),
      { numRuns: runs(0.8) },
    );
  });

  test('random byte streams through the framer', () => {
    const stream = fc.array(fc.oneof(wireMessage(true), fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u))), { maxLength: 5 });
    fc.assert(
      fc.property(stream, (chunks) => {
        const f = new MessageFramer();
        onlyDecodeErrors(() => {
          for (const c of chunks) for (const m of f.push(c)) onlyDecodeErrors(() => decodeMessage(m, { asn4: true }));
        });
      }),
      { numRuns: runs(0.15) },
    );
  });

  test('UPDATE encode∘decode identity', () => {
    fc.assert(
      fc.property(updateMessage(true), (u) => {
        let wire: Buffer;
        try {
          wire = encodeUpdateMessage(u, { asn4: true });
        } catch {
          return;
        }
        const m = decodeMessage(wire, { asn4: true });
        expect(m.type === 'update' && m.result.update).toEqual(u);
      }),
      { numRuns: runs(0.05) },
    );
  });
});

describe('bgp session fuzz', () => {
  jest.setTimeout(600_000);
  // Real sockets: each run costs ~60 ms, so this gets a small share.
  test('an established session fed valid and mutated messages never throws and always ends cleanly', async () => {
    const errors: unknown[] = [];
    const onUncaught = (e: unknown) => errors.push(e);
    process.on('uncaughtException', onUncaught);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(fc.oneof(wireMessage(true), mutatedMessage(true)), { minLength: 1, maxLength: 6 }), async (msgs) => {
          const peer = new FakePeer({ asn: 65000, hold: 30 });
          const port = await peer.listen();
          const conn = peer.nextConnection();
          const s = new BgpSession({ peerAddress: '127.0.0.1', peerPort: port, myAsn: 65001, peerAsn: 65000, routerId: '10.0.0.1', backoff: { unitMs: 1000 } });
          try {
            s.announce('10.0.0.0/24', { communities: [1] });
            const up = new Promise((r) => s.once('established', r));
            s.start();
            const c = await conn;
            await up;
            for (const m of msgs) c.send(m);
            await new Promise((r) => setTimeout(r, 50));
            expect(['Established', 'Idle', 'Connect']).toContain(s.state);
          } finally {
            await s.stop({ timeoutMs: 300 });
            await peer.close();
          }
        }),
        { numRuns: Math.max(5, Math.floor(TOTAL / 1000)) },
      );
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    expect(errors).toEqual([]);
  });
});
