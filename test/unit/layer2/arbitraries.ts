// fast-check generators for layer-2 frames, shared by unit properties and the fuzz suite.
import fc from 'fast-check';
import { formatIp } from '../../../src/core/net/ip';
import type { ArpFrame, NdpMessage, NdpOption } from '../../../plugins/layer2/codec';

export const arbMac = fc
  .uint8Array({ minLength: 6, maxLength: 6 })
  .map((b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(':'));
export const arbIpv4 = fc.ipV4();
export const arbIpv6 = fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((value) => formatIp({ family: 6, value }));

export const arbArpFrame: fc.Arbitrary<ArpFrame> = fc.record({
  ethDst: arbMac,
  ethSrc: arbMac,
  op: fc.integer({ min: 0, max: 0xffff }),
  senderMac: arbMac,
  senderIp: arbIpv4,
  targetMac: arbMac,
  targetIp: arbIpv4,
});

/** Options whose data fills whole 8-byte units (what decode returns). */
const arbOption: fc.Arbitrary<NdpOption> = fc
  .record({ type: fc.integer({ min: 0, max: 255 }), units: fc.integer({ min: 1, max: 4 }) })
  .chain(({ type, units }) =>
    fc.uint8Array({ minLength: units * 8 - 2, maxLength: units * 8 - 2 }).map((d) => ({ type, data: Buffer.from(d) })),
  );

export const arbNdpMessage: fc.Arbitrary<NdpMessage> = fc.oneof(
  fc.record({ type: fc.constant(135 as const), target: arbIpv6, options: fc.array(arbOption, { maxLength: 3 }) }),
  fc.record({
    type: fc.constant(136 as const),
    router: fc.boolean(),
    solicited: fc.boolean(),
    override: fc.boolean(),
    target: arbIpv6,
    options: fc.array(arbOption, { maxLength: 3 }),
  }),
);
