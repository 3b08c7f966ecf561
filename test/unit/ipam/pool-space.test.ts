import { PoolSpace, isBuggyIPv4 } from '../../../src/core/ipam/pool-space';
import { formatIp, parseIp } from '../../../src/core/net/ip';
import { range } from './builders';

const v = (t: string): bigint => parseIp(t)!.value;
const s4 = (x: bigint | undefined): string | undefined => (x === undefined ? undefined : formatIp({ family: 4, value: x }));

describe('PoolSpace', () => {
  it('counts and hands out a range lowest first', () => {
    const s = new PoolSpace(4, [range('192.168.1.240-192.168.1.250')], false);
    expect(s.total).toBe(11n);
    expect(s4(s.lowestFree())).toBe('192.168.1.240');
    expect(s.take(v('192.168.1.240'))).toBe(true);
    expect(s.take(v('192.168.1.240'))).toBe(false);
    expect(s4(s.lowestFree())).toBe('192.168.1.241');
    expect(s.inUse).toBe(1);
    expect(s.available).toBe(10n);
  });

  it('allows network and broadcast addresses without avoid-buggy-ips', () => {
    const s = new PoolSpace(4, [range('10.0.0.0/24')], false);
    expect(s.total).toBe(256n);
    expect(s4(s.lowestFree())).toBe('10.0.0.0');
  });

  it('skips .0 and .255 with avoid-buggy-ips, without scanning', () => {
    const s = new PoolSpace(4, [range('10.0.0.0/16')], true);
    expect(s.total).toBe(256n * 254n);
    expect(s4(s.lowestFree())).toBe('10.0.0.1');
    expect(s.contains(v('10.0.0.0'))).toBe(false);
    expect(s.contains(v('10.0.3.255'))).toBe(false);
    expect(s.take(v('10.0.0.255'))).toBe(false);
    for (let i = 1; i <= 254; i++) s.take(v(`10.0.0.${i}`));
    expect(s4(s.lowestFree())).toBe('10.0.1.1');
    expect(s.fragmentCount).toBe(1);
  });

  it('handles ranges that start/end on buggy addresses and tiny ranges that are only buggy', () => {
    const s = new PoolSpace(4, [range('10.0.0.255-10.0.1.0'), range('10.0.2.250-10.0.3.5')], true);
    expect(s.total).toBe(5n + 5n);
    expect(s4(s.lowestFree())).toBe('10.0.2.250');
    expect(isBuggyIPv4(4, v('1.2.3.255'))).toBe(true);
    expect(isBuggyIPv4(6, 255n)).toBe(false);
  });

  it('represents a /64 as a single interval', () => {
    const s = new PoolSpace(6, [range('2001:db8::/64')], true);
    expect(s.total).toBe(1n << 64n);
    expect(formatIp({ family: 6, value: s.lowestFree()! })).toBe('2001:db8::');
  });

  it('stays correct with 32k fragments (every other address of a /16 taken)', () => {
    const s = new PoolSpace(4, [range('10.1.0.0/16')], false);
    const base = v('10.1.0.0');
    for (let i = 0n; i < 65536n; i += 2n) expect(s.take(base + i)).toBe(true);
    expect(s.fragmentCount).toBe(32768);
    expect(s4(s.lowestFree())).toBe('10.1.0.1');
    for (let i = 1n; i < 65536n; i += 2n) expect(s.take(base + i)).toBe(true);
    expect(s.lowestFree()).toBeUndefined();
    expect(s.give(base + 40000n)).toBe(true);
    expect(s.lowestFree()).toBe(base + 40000n);
    expect(s.available).toBe(1n);
  });
});
