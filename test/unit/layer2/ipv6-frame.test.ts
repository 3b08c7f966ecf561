// IPv6/ICMPv6 frames as the NDP socket receives them on AF_PACKET: a captured NS, checksum and hop-limit checks, round trips.
import fc from 'fast-check';
import { decodeIcmpv6Frame, decodeNdp, encodeIcmpv6Frame, encodeNdp, Layer2DecodeError, type Icmpv6Frame } from '../../../plugins/layer2/codec';
import { NdpSocket } from '../../../plugins/layer2/ndp-socket';
import { arbIpv6, arbMac, arbNdpMessage } from './arbitraries';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// The captured NS of codec.test.ts (fd00::a → ff02::1:ff00:b, who has fd00::b) in its Ethernet/IPv6 frame.
const NS_FRAME = hex(`
  3333 ff00 000b 0200 0000 000a 86dd
  6000 0000 0020 3aff
  fd00 0000 0000 0000 0000 0000 0000 000a
  ff02 0000 0000 0000 0000 0001 ff00 000b
  8700 7d73 0000 0000 fd00 0000 0000 0000 0000 0000 0000 000b 0101 0200 0000 000a`);

const arbFrame: fc.Arbitrary<Icmpv6Frame> = fc.record({
  ethDst: arbMac,
  ethSrc: arbMac,
  src: arbIpv6,
  dst: arbIpv6,
  hopLimit: fc.integer({ min: 0, max: 255 }),
  message: arbNdpMessage.map(encodeNdp),
});

describe('IPv6/ICMPv6 frames', () => {
  it('decodes the captured NS frame, checksum verified', () => {
    const f = decodeIcmpv6Frame(NS_FRAME);
    expect(f).toMatchObject({ ethDst: '33:33:ff:00:00:0b', ethSrc: '02:00:00:00:00:0a', src: 'fd00::a', dst: 'ff02::1:ff00:b', hopLimit: 255 });
    expect(decodeNdp(f.message)).toMatchObject({ type: 135, target: 'fd00::b' });
    expect(encodeIcmpv6Frame(f).subarray(0, NS_FRAME.length).equals(NS_FRAME)).toBe(true);
  });

  it('refuses a bad checksum, a truncated payload, another next header, version or ethertype', () => {
    const bad = (mutate: (b: Buffer) => void): Buffer => {
      const b = Buffer.from(NS_FRAME);
      mutate(b);
      return b;
    };
    expect(() => decodeIcmpv6Frame(bad((b) => (b[55]! ^= 1)))).toThrow(/checksum/);
    expect(() => decodeIcmpv6Frame(bad((b) => (b[70]! ^= 1)))).toThrow(Layer2DecodeError); // target changed: checksum
    expect(() => decodeIcmpv6Frame(NS_FRAME.subarray(0, 80))).toThrow(/payload length/);
    expect(() => decodeIcmpv6Frame(bad((b) => (b[20] = 0)))).toThrow(/next header/); // hop-by-hop options
    expect(() => decodeIcmpv6Frame(bad((b) => (b[14] = 0x40)))).toThrow(/version/);
    expect(() => decodeIcmpv6Frame(bad((b) => b.writeUInt16BE(0x0800, 12)))).toThrow(/ethertype/);
  });

  it('property: decode ∘ encode is the identity (padding ignored)', () => {
    fc.assert(
      fc.property(arbFrame, (f) => {
        const d = decodeIcmpv6Frame(encodeIcmpv6Frame(f));
        expect({ ...d, message: d.message.subarray(4) }).toEqual({ ...f, message: f.message.subarray(4) });
        expect(decodeNdp(d.message)).toEqual(decodeNdp(f.message));
      }),
      { numRuns: 1000 },
    );
  });

  it('the NDP socket passes on only intact messages with hop limit 255, with their source', () => {
    const got: Array<[string, string]> = [];
    const on = (m: Buffer, src: string): void => void got.push([decodeNdp(m).target, src]);
    const ns = decodeIcmpv6Frame(NS_FRAME);
    expect(NdpSocket.deliver(NS_FRAME, on)).toBe(true);
    expect(NdpSocket.deliver(encodeIcmpv6Frame({ ...ns, hopLimit: 64 }), on)).toBe(false); // routed from off-link
    expect(NdpSocket.deliver(encodeIcmpv6Frame({ ...ns, hopLimit: 254 }), on)).toBe(false);
    const corrupt = Buffer.from(NS_FRAME);
    corrupt[60]! ^= 0xff;
    expect(NdpSocket.deliver(corrupt, on)).toBe(false);
    expect(got).toEqual([['fd00::b', 'fd00::a']]);
  });
});
