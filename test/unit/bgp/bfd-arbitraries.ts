// BFD Control packets for tests: one built by hand, and fast-check arbitraries (valid packets, their bytes, mutations).
import fc from 'fast-check';
import { BfdState, encodeBfdControl, type BfdControlPacket, type BfdStateValue } from '../../../plugins/bgp/bfd/codec';

/** A Down packet with no flags, detect 3, discriminators 0, timers 0, no auth; `over` sets the rest. */
export const bfdControl = (over: Partial<BfdControlPacket> = {}): BfdControlPacket => ({
  diag: 0,
  state: BfdState.Down,
  poll: false,
  final: false,
  controlPlaneIndependent: false,
  demand: false,
  detectMult: 3,
  myDiscriminator: 0,
  yourDiscriminator: 0,
  desiredMinTxUs: 0,
  requiredMinRxUs: 0,
  requiredMinEchoRxUs: 0,
  ...over,
});

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
