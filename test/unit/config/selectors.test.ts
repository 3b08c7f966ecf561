import { anySelectorMatches, readLabelSelector, selectorMatches } from '../../../src/core/config/selectors';
import { IssueSink } from '../../../src/core/config/issues';
import type { LabelSelector } from '../../../src/core/config/model';

const sel = (s: Partial<LabelSelector>): LabelSelector => ({ matchLabels: {}, matchExpressions: [], ...s });

describe('label selectors', () => {
  it('matches labels and every operator', () => {
    const labels = { rack: 'a', zone: 'z1' };
    expect(selectorMatches(sel({}), labels)).toBe(true);
    expect(selectorMatches(sel({ matchLabels: { rack: 'a' } }), labels)).toBe(true);
    expect(selectorMatches(sel({ matchLabels: { rack: 'b' } }), labels)).toBe(false);
    expect(selectorMatches(sel({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['z1', 'z2'] }] }), labels)).toBe(true);
    expect(selectorMatches(sel({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['z1'] }] }), labels)).toBe(false);
    expect(selectorMatches(sel({ matchExpressions: [{ key: 'gpu', operator: 'NotIn', values: ['x'] }] }), labels)).toBe(true);
    expect(selectorMatches(sel({ matchExpressions: [{ key: 'gpu', operator: 'Exists', values: [] }] }), labels)).toBe(false);
    expect(selectorMatches(sel({ matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist', values: [] }] }), labels)).toBe(true);
    expect(anySelectorMatches([], labels)).toBe(true);
    expect(anySelectorMatches([sel({ matchLabels: { rack: 'b' } }), sel({ matchLabels: { zone: 'z1' } })], labels)).toBe(true);
  });

  it('reads legacy and CRD spellings, operators case-insensitively', () => {
    const sink = new IssueSink('f');
    expect(readLabelSelector({ 'match-labels': { a: 'b' }, 'match-expressions': [{ key: 'k', operator: 'in', values: ['v'] }] }, 'p', sink, 'legacy')).toEqual({
      matchLabels: { a: 'b' },
      matchExpressions: [{ key: 'k', operator: 'In', values: ['v'] }],
    });
    expect(readLabelSelector({ matchLabels: { a: 'b' } }, 'p', sink, 'crd')).toEqual({ matchLabels: { a: 'b' }, matchExpressions: [] });
    expect(sink.issues).toEqual([]);
  });

  it('reports In without values and Exists with values', () => {
    const sink = new IssueSink();
    expect(readLabelSelector({ matchExpressions: [{ key: 'k', operator: 'In' }] }, 's', sink, 'crd')).toBeUndefined();
    expect(readLabelSelector({ matchExpressions: [{ key: 'k', operator: 'Exists', values: ['x'] }] }, 's', sink, 'crd')).toBeUndefined();
    expect(sink.issues.map((i) => [i.path, i.message])).toEqual([
      ['s.matchExpressions[0].values', 'operator In needs at least one value'],
      ['s.matchExpressions[0].values', 'operator Exists takes no values'],
    ]);
  });
});
