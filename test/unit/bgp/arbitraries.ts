// fast-check generators of BGP values and wire bytes, shared by the unit property tests and the fuzz suite.
import fc from 'fast-check';
import {
  AsPathSegmentType,
  CapabilityCode,
  formatPrefix,
  encodeOpenMessage,
  encodeUpdateMessage,
  encodeNotification,
  encodeKeepalive,
  encodeRouteRefresh,
  type Capability,
  type OpenMessage,
  type PathAttributes,
  type UpdateMessage,
} from '../../../plugins/bgp/codec';

const u32 = fc.integer({ min: 0, max: 0xffffffff });

/** A prefix of `family` as the codec writes it: random bits and length, the bits past the length cleared. */
const prefixOf = (family: 4 | 6) => {
  const bytes = family === 4 ? 4 : 16;
  return fc.tuple(fc.uint8Array({ minLength: bytes, maxLength: bytes }), fc.integer({ min: 0, max: bytes * 8 })).map(([b, len]) => {
    const buf = Buffer.from(b);
    for (let i = 0; i < bytes; i++) buf[i]! &= (0xff << (8 - Math.max(0, Math.min(8, len - i * 8)))) & 0xff;
    return formatPrefix(family, buf, len);
  });
};

export const ipv4Prefix = prefixOf(4);
export const ipv6Prefix = prefixOf(6);

const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
const ipv6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => formatPrefix(6, Buffer.from(b), 128).replace(/\/128$/, ''));

export const asPath = (asn4: boolean) =>
  fc.array(
    fc.record({
      type: fc.constantFrom(AsPathSegmentType.Set, AsPathSegmentType.Sequence, AsPathSegmentType.ConfedSequence, AsPathSegmentType.ConfedSet),
      asns: fc.array(asn4 ? u32 : fc.integer({ min: 0, max: 0xffff }), { minLength: 1, maxLength: 8 }),
    }),
    { maxLength: 3 },
  );

export const pathAttributes = (asn4: boolean): fc.Arbitrary<PathAttributes> =>
  fc.record(
    {
      origin: fc.integer({ min: 0, max: 2 }),
      asPath: asPath(asn4),
      nextHop: ipv4,
      med: u32,
      localPref: u32,
      atomicAggregate: fc.constant(true),
      aggregator: fc.record({ asn: asn4 ? u32 : fc.integer({ min: 0, max: 0xffff }), address: ipv4 }),
      communities: fc.array(u32, { minLength: 1, maxLength: 6 }),
      largeCommunities: fc.array(fc.record({ global: u32, local1: u32, local2: u32 }), { minLength: 1, maxLength: 4 }),
      mpReach: fc.record({
        afi: fc.constant(2),
        safi: fc.constant(1),
        nextHops: fc.array(ipv6, { minLength: 1, maxLength: 2 }),
        nlri: fc.array(ipv6Prefix, { maxLength: 10 }),
      }),
      mpUnreach: fc.record({ afi: fc.constant(2), safi: fc.constant(1), withdrawn: fc.array(ipv6Prefix, { maxLength: 10 }) }),
      unknown: fc.array(
        fc.record({
          flags: fc.constantFrom(0x80, 0xc0, 0xe0),
          type: fc.integer({ min: 40, max: 255 }),
          value: fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)),
        }),
        { minLength: 1, maxLength: 2 },
      ).map((list) => list.filter((x, i) => list.findIndex((y) => y.type === x.type) === i)),
    },
    { requiredKeys: [] },
  );

export const updateMessage = (asn4: boolean): fc.Arbitrary<UpdateMessage> =>
  fc.record({
    withdrawn: fc.array(ipv4Prefix, { maxLength: 20 }),
    attributes: pathAttributes(asn4),
    nlri: fc.array(ipv4Prefix, { maxLength: 20 }),
  });

const capability: fc.Arbitrary<Capability> = fc.oneof(
  fc.record({ code: fc.constant(CapabilityCode.Multiprotocol), afi: fc.constantFrom(1, 2), safi: fc.constantFrom(1, 2, 128) }),
  fc.constant({ code: CapabilityCode.RouteRefresh }),
  fc.record({ code: fc.constant(CapabilityCode.FourOctetAs), asn: u32 }),
  fc.record({
    code: fc.constant(CapabilityCode.GracefulRestart),
    restartFlags: fc.integer({ min: 0, max: 15 }),
    restartTime: fc.integer({ min: 0, max: 4095 }),
    afis: fc.array(fc.record({ afi: fc.constantFrom(1, 2), safi: fc.constant(1), flags: fc.integer({ min: 0, max: 255 }) }), { maxLength: 2 }),
  }),
  fc.record({ code: fc.integer({ min: 128, max: 255 }), raw: fc.uint8Array({ maxLength: 6 }).map((u) => Buffer.from(u)) }),
);

export const openMessage: fc.Arbitrary<OpenMessage> = fc.record({
  version: fc.constant(4),
  myAs: fc.integer({ min: 0, max: 0xffff }),
  holdTime: fc.integer({ min: 0, max: 0xffff }),
  bgpId: ipv4,
  capabilities: fc.array(capability, { maxLength: 8 }),
});

/** Valid wire messages of every type. */
export const wireMessage = (asn4: boolean): fc.Arbitrary<Buffer> =>
  fc.oneof(
    openMessage.map(encodeOpenMessage),
    updateMessage(asn4).map((u) => {
      try {
        return encodeUpdateMessage(u, { asn4 });
      } catch {
        return encodeKeepalive(); // over 4096 bytes: not a valid message, use something that is
      }
    }),
    fc.record({ code: fc.nat(255), subcode: fc.nat(255), data: fc.uint8Array({ maxLength: 20 }).map((u) => Buffer.from(u)) }).map(encodeNotification),
    fc.constant(encodeKeepalive()),
    fc.record({ afi: fc.nat(0xffff), subtype: fc.nat(255), safi: fc.nat(255) }).map(encodeRouteRefresh),
  );

/** A valid message with a few bytes overwritten, truncated or extended (the header length fixed up or not). */
export const mutatedMessage = (asn4: boolean): fc.Arbitrary<Buffer> =>
  fc
    .tuple(
      wireMessage(asn4),
      fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 4 }),
      fc.integer({ min: -8, max: 8 }),
      fc.boolean(),
    )
    .map(([msg, edits, delta, fixLength]) => {
      let b = Buffer.from(msg);
      for (const [pos, val] of edits) b[19 + (pos % Math.max(1, b.length - 19))] = val;
      if (delta < 0) b = b.subarray(0, Math.max(19, b.length + delta));
      if (delta > 0) b = Buffer.concat([b, Buffer.alloc(delta, 0x42)]);
      if (fixLength && b.length <= 0xffff) b.writeUInt16BE(b.length, 16);
      return b;
    });
