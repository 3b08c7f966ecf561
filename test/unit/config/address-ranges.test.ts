import fc from 'fast-check';
import { coveringCidrs, formatCidr, parseAddressRange, rangesOverlap, rangeSize, widestPrefixLength } from '../../../src/core/config/address-ranges';
import type { IpRange } from '../../../src/core/config/model';

function range(text: string): IpRange {
  const r = parseAddressRange(text);
  if (!r.ok) throw new Error(r.message);
  return r.range;
}

describe('parseAddressRange', () => {
  it('reads IPv4 and IPv6 CIDRs', () => {
    expect(range('192.168.1.240/28')).toMatchObject({ family: 4, first: 0xc0a801f0n, last: 0xc0a801ffn, prefixLength: 28 });
    expect(range('fc00::/120')).toMatchObject({ family: 6, prefixLength: 120 });
    expect(rangeSize(range('fc00::/120'))).toBe(256n);
    expect(rangeSize(range('10.0.0.0/0'))).toBe(1n << 32n);
  });

  it('reads ranges, with or without spaces around the dash', () => {
    expect(rangeSize(range('192.168.1.240-192.168.1.250'))).toBe(11n);
    expect(rangeSize(range('192.168.1.240 - 192.168.1.240'))).toBe(1n);
    expect(rangeSize(range('2001:db8::1-2001:db8::ff'))).toBe(255n);
  });

  it('masks host bits and says so', () => {
    const r = parseAddressRange('192.168.1.241/28');
    expect(r.ok && r.range.first).toBe(0xc0a801f0n);
    expect(r.ok && r.note).toMatch(/it means 192\.168\.1\.240\/28/);
  });

  it.each([
    ['192.168.1.300/28', /not a CIDR or an address range/],
    ['192.168.1.0/33', /not a CIDR/],
    ['fc00::/129', /not a CIDR/],
    ['192.168.1.0/', /not a CIDR/],
    ['10/8', /not a CIDR/],
    ['', /not a CIDR/],
    ['192.168.1.1', /write a single address as 192\.168\.1\.1\/32/],
    ['192.168.1.9-192.168.1.1', /start is after its end/],
    ['192.168.1.1-fc00::1', /mixes IPv4 and IPv6/],
    ['192.168.1.1-', /not a CIDR or an address range/],
  ])('rejects %s', (text, message) => {
    const r = parseAddressRange(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });
});

describe('coveringCidrs', () => {
  it('splits the tutorial range into the minimal CIDRs', () => {
    expect(coveringCidrs(range('192.168.1.240-192.168.1.250')).map(formatCidr)).toEqual([
      '192.168.1.240/29',
      '192.168.1.248/31',
      '192.168.1.250/32',
    ]);
    expect(widestPrefixLength(range('192.168.1.240-192.168.1.250'))).toBe(29);
    expect(widestPrefixLength(range('192.168.1.0/24'))).toBe(24);
    expect(coveringCidrs(range('0.0.0.0-255.255.255.255')).map(formatCidr)).toEqual(['0.0.0.0/0']);
  });

  it('covers exactly the range, without gaps or overlaps (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 32n) - 1n }), fc.bigInt({ min: 0n, max: 1n << 20n }), (first, span) => {
        const last = first + span > (1n << 32n) - 1n ? (1n << 32n) - 1n : first + span;
        const cidrs = coveringCidrs({ family: 4, first, last });
        let next = first;
        for (const c of cidrs) {
          expect(c.network).toBe(next);
          const size = 1n << BigInt(32 - c.prefixLength);
          expect(c.network % size).toBe(0n);
          next = c.network + size;
        }
        expect(next).toBe(last + 1n);
        expect(cidrs.length).toBeLessThanOrEqual(64);
      }),
      { numRuns: 300 },
    );
  });
});

describe('rangesOverlap', () => {
  it('compares only within a family', () => {
    expect(rangesOverlap(range('192.168.1.0/24'), range('192.168.1.255-192.168.2.1'))).toBe(true);
    expect(rangesOverlap(range('192.168.1.0/25'), range('192.168.1.128/25'))).toBe(false);
    expect(rangesOverlap(range('0.0.0.0/0'), range('::/0'))).toBe(false);
  });
});
