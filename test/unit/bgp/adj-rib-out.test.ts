// Adj-RIB-Out bookkeeping: grouping by attributes, incremental changes, reset on session loss.
import { AdjRibOut, attributesKey } from '../../../plugins/bgp/adj-rib-out';

const all = new Set<4 | 6>([4, 6]);

test('groups equal attributes, splits by family', () => {
  const r = new AdjRibOut();
  r.set('10.0.0.1/32', { communities: [2, 1] });
  r.set('10.0.0.2', { communities: [1, 2, 2] });
  r.set('2001:db8::1/128', { communities: [1, 2] });
  r.set('10.0.0.3/32', { localPref: 50 });
  const c = r.takeChanges(all);
  expect(c.withdraw).toEqual([]);
  expect(c.announce.map((g) => [g.family, g.prefixes])).toEqual([
    [4, ['10.0.0.1/32', '10.0.0.2/32']],
    [6, ['2001:db8::1/128']],
    [4, ['10.0.0.3/32']],
  ]);
  expect(r.takeChanges(all)).toEqual({ announce: [], withdraw: [] });
});

test('withdraw of an advertised route is one change; of an unsent one is none', () => {
  const r = new AdjRibOut();
  r.set('10.0.0.1/32');
  r.takeChanges(all);
  r.set('10.0.0.2/32');
  r.delete('10.0.0.2/32');
  r.delete('10.0.0.1/32');
  expect(r.takeChanges(all)).toEqual({ announce: [], withdraw: ['10.0.0.1/32'] });
  expect(r.pendingCount()).toBe(0);
});

test('re-setting identical attributes is not a change; a family not negotiated stays pending', () => {
  const r = new AdjRibOut();
  r.set('10.0.0.1/32', { communities: [1] });
  r.set('2001:db8::/64');
  r.takeChanges(new Set([4]));
  r.set('10.0.0.1/32', { communities: [1] });
  expect(r.pendingCount(new Set([4]))).toBe(0);
  expect(r.pendingCount()).toBe(1);
  r.reset();
  expect(r.pendingCount()).toBe(2);
  expect(r.advertisedCount).toBe(0);
});

test('attributes key ignores order and duplicates', () => {
  expect(attributesKey({ communities: [3, 1, 1] })).toBe(attributesKey({ communities: [1, 3] }));
  expect(attributesKey({ localPref: 1 })).not.toBe(attributesKey({}));
});
