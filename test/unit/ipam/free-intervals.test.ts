import fc from 'fast-check';
import { FreeIntervals } from '../../../src/core/ipam/free-intervals';

describe('FreeIntervals', () => {
  it('takes the lowest point of a huge interval without fragmenting', () => {
    const f = new FreeIntervals();
    f.addRange(0n, (1n << 64n) - 1n);
    for (let i = 0n; i < 1000n; i++) {
      expect(f.min()).toBe(i);
      expect(f.remove(i)).toBe(true);
    }
    expect(f.intervalCount).toBe(1);
  });

  it('splits on a middle removal and merges back on add', () => {
    const f = new FreeIntervals();
    f.addRange(10n, 20n);
    f.remove(15n);
    expect([...f.intervals()]).toEqual([
      { first: 10n, last: 14n },
      { first: 16n, last: 20n },
    ]);
    expect(f.has(15n)).toBe(false);
    expect(f.add(15n)).toBe(true);
    expect(f.add(15n)).toBe(false);
    expect([...f.intervals()]).toEqual([{ first: 10n, last: 20n }]);
  });

  it('rejects overlapping ranges', () => {
    const f = new FreeIntervals();
    f.addRange(10n, 20n);
    expect(() => f.addRange(20n, 30n)).toThrow(RangeError);
    expect(() => f.addRange(0n, 10n)).toThrow(RangeError);
  });

  it('behaves like a set of points (model-based)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 63 })), { maxLength: 80 }), (ops) => {
        const f = new FreeIntervals();
        const model = new Set<number>();
        for (const [add, x] of ops) {
          if (add) expect(f.add(BigInt(x))).toBe(!model.has(x));
          else expect(f.remove(BigInt(x))).toBe(model.has(x));
          if (add) model.add(x);
          else model.delete(x);
          const min = model.size ? Math.min(...model) : undefined;
          expect(f.min()).toBe(min === undefined ? undefined : BigInt(min));
        }
        const points: number[] = [];
        let prevLast = -2n;
        for (const iv of f.intervals()) {
          expect(iv.first).toBeGreaterThan(prevLast + 1n); // maximal: never adjacent
          prevLast = iv.last;
          for (let v = iv.first; v <= iv.last; v++) points.push(Number(v));
        }
        expect(points).toEqual([...model].sort((a, b) => a - b));
      }),
      { numRuns: 300 },
    );
  });
});
