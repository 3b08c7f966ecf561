// BFD Control packet codec: RFC 5880 vectors, every reception check, and round-trip properties.
import fc from 'fast-check';
import { BfdDecodeError, BfdState, decodeBfdControl, encodeBfdControl, type BfdDecodeReason } from '../../../plugins/bgp/bfd/codec';
import { bfdControl, bfdPacket, mutatedBfdBytes } from './bfd-arbitraries';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
// A Down packet as FRR's bfdd sends it first: detect 3, 1 s slow timers, echo 50 ms.
const FRR_DOWN = hex('20 40 03 18 00000001 00000000 000f4240 000f4240 0000c350');

const reasonOf = (b: Buffer): BfdDecodeReason | undefined => {
  try {
    decodeBfdControl(b);
    return undefined;
  } catch (e) {
    if (e instanceof BfdDecodeError) return e.reason;
    throw e;
  }
};

describe('BFD codec vectors', () => {
  test('decodes a Down packet', () => {
    expect(decodeBfdControl(FRR_DOWN)).toEqual(bfdControl({ myDiscriminator: 1, desiredMinTxUs: 1_000_000, requiredMinRxUs: 1_000_000, requiredMinEchoRxUs: 50_000 }));
    expect(encodeBfdControl(decodeBfdControl(FRR_DOWN))).toEqual(FRR_DOWN);
  });

  test('flags, diag and state bits land where RFC 5880 §4.1 puts them', () => {
    const b = encodeBfdControl({
      diag: 3,
      state: BfdState.Up,
      poll: true,
      final: false,
      controlPlaneIndependent: true,
      demand: false,
      detectMult: 5,
      myDiscriminator: 0x01020304,
      yourDiscriminator: 0x0a0b0c0d,
      desiredMinTxUs: 100_000,
      requiredMinRxUs: 200_000,
      requiredMinEchoRxUs: 0,
    });
    expect(b.toString('hex')).toBe('23e80518' + '01020304' + '0a0b0c0d' + '000186a0' + '00030d40' + '00000000');
  });

  test('an authentication section is kept as written', () => {
    // Simple password (type 1): Auth Len 7 = type, len, key id, "abcd".
    const b = Buffer.concat([hex('20 44 03 1f 00000001 00000000 000f4240 000f4240 00000000'), hex('01 07 05 61626364')]);
    const p = decodeBfdControl(b);
    expect(p.auth).toEqual({ type: 1, data: hex('05 61626364') });
    expect(encodeBfdControl(p)).toEqual(b);
  });

  test('trailing bytes after Length are ignored', () => {
    expect(decodeBfdControl(Buffer.concat([FRR_DOWN, hex('ffff')]))).toEqual(decodeBfdControl(FRR_DOWN));
  });

  const edit = (at: number, v: number, base = FRR_DOWN) => {
    const b = Buffer.from(base);
    b[at] = v;
    return b;
  };
  test.each<[string, Buffer, BfdDecodeReason]>([
    ['shorter than 24 bytes', FRR_DOWN.subarray(0, 23), 'truncated'],
    ['version 0', edit(0, 0x00), 'version'],
    ['version 2', edit(0, 0x40), 'version'],
    ['Length below 24', edit(3, 23), 'length'],
    ['Length beyond the payload', edit(3, 30), 'length'],
    ['Length 26 without the A bit', Buffer.concat([edit(3, 26), hex('0000')]), 'length'],
    ['A bit without room for the section', edit(1, 0x44), 'length'],
    ['Detect Mult 0', edit(2, 0), 'detect-mult-zero'],
    ['Multipoint bit', edit(1, 0x41), 'multipoint'],
    ['My Discriminator 0', edit(7, 0), 'my-discriminator-zero'],
    ['Your Discriminator 0 in Up', edit(1, 0xc0), 'your-discriminator-zero'],
    ['Your Discriminator 0 in Init', edit(1, 0x80), 'your-discriminator-zero'],
    ['Auth Len not filling Length', Buffer.concat([edit(3, 0x1f, edit(1, 0x44)), hex('01 06 05 616263 00')]), 'auth-section'],
  ])('discards: %s', (_what, b, reason) => {
    expect(reasonOf(b)).toBe(reason);
  });

  test('Your Discriminator 0 is fine in Down and AdminDown', () => {
    expect(reasonOf(edit(1, 0x00))).toBeUndefined();
    expect(reasonOf(FRR_DOWN)).toBeUndefined();
  });

  test('encode refuses values that do not fit', () => {
    const p = decodeBfdControl(FRR_DOWN);
    expect(() => encodeBfdControl({ ...p, detectMult: 256 })).toThrow(RangeError);
    expect(() => encodeBfdControl({ ...p, desiredMinTxUs: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodeBfdControl({ ...p, auth: { type: 1, data: Buffer.alloc(230) } })).toThrow(RangeError);
  });
});

describe('BFD codec properties', () => {
  test('decode(encode(p)) = p', () => {
    fc.assert(fc.property(bfdPacket, (p) => expect(decodeBfdControl(encodeBfdControl(p))).toEqual(p)), { numRuns: 2000 });
  });

  test('encode(decode(b)) = b up to Length, for any accepted bytes', () => {
    fc.assert(
      fc.property(mutatedBfdBytes, (b) => {
        if (reasonOf(b) !== undefined) return;
        expect(encodeBfdControl(decodeBfdControl(b))).toEqual(b.subarray(0, b[3]));
      }),
      { numRuns: 2000 },
    );
  });

  test('decode throws nothing but BfdDecodeError on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (u) => void reasonOf(Buffer.from(u))), { numRuns: 2000 });
  });
});
