// fast-check arbitraries for BFD Control packets: valid packets, their bytes, and mutations of them.
import fc from 'fast-check';
import { encodeBfdControl, type BfdControlPacket, type BfdStateValue } from '../../../plugins/bgp/bfd/codec';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** Packets a conforming peer may send (they pass every reception check). */
export const bfdPacket: fc.Arbitrary<BfdControlPacket> = fc
  .record({
    diag: fc.integer({ min: 0, max: 31 }),
    state: fc.constantFrom<BfdStateValue>(0, 1, 2, 3),
    poll: fc.boolean(),
    final: fc.boolean(),
    controlPlaneIndependent: fc.boolean(),
    demand: fc.boolean(),
    detectMult: fc.integer({ min: 1, max: 255 }),
    myDiscriminator: fc.integer({ min: 1, max: 0xffffffff }),
    yourDiscriminator: u32,
    desiredMinTxUs: u32,
    requiredMinRxUs: u32,
    requiredMinEchoRxUs: u32,
    auth: fc.option(fc.record({ type: fc.integer({ min: 0, max: 255 }), data: fc.uint8Array({ maxLength: 28 }).map((u) => Buffer.from(u)) }), { nil: undefined }),
  })
  .map((p) => {
    const out: BfdControlPacket = { ...p };
    if (p.auth === undefined) delete out.auth;
    if ((p.state === 2 || p.state === 3) && p.yourDiscriminator === 0) out.yourDiscriminator = 1;
    return out;
  });

/** Valid packets' bytes with up to 4 random byte edits, truncation or trailing bytes. */
export const mutatedBfdBytes: fc.Arbitrary<Buffer> = fc
  .tuple(bfdPacket, fc.array(fc.tuple(fc.nat(60), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }), fc.integer({ min: -30, max: 8 }))
  .map(([p, edits, resize]) => {
    let b = encodeBfdControl(p);
    for (const [at, v] of edits) if (at < b.length) b[at] = v;
    if (resize < 0) b = b.subarray(0, Math.max(0, b.length + resize));
    else if (resize > 0) b = Buffer.concat([b, Buffer.alloc(resize, 0xaa)]);
    return b;
  });
