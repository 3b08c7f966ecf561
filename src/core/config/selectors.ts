// Kubernetes label selectors: reading them from config (legacy kebab-case or CRD camelCase) and matching labels.
import type { LabelSelector, LabelSelectorRequirement } from './model';
import { FieldReader } from './field-reader';
import { IssueSink, quote } from './issues';

export type KeyStyle = 'legacy' | 'crd';

const OPERATORS = new Map<string, LabelSelectorRequirement['operator']>([
  ['in', 'In'],
  ['notin', 'NotIn'],
  ['exists', 'Exists'],
  ['doesnotexist', 'DoesNotExist'],
]);

/** Reads one selector mapping at `path`; undefined (after reporting) when unusable. */
export function readLabelSelector(value: unknown, path: string, sink: IssueSink, style: KeyStyle): LabelSelector | undefined {
  const r = FieldReader.of(value, path, sink, 'a label selector mapping');
  if (!r) return undefined;
  const labelsKey = style === 'legacy' ? 'match-labels' : 'matchLabels';
  const exprKey = style === 'legacy' ? 'match-expressions' : 'matchExpressions';
  const matchLabels = r.stringMap(labelsKey) ?? {};
  const matchExpressions: LabelSelectorRequirement[] = [];
  let ok = true;
  for (const item of r.list(exprKey) ?? []) {
    const req = readRequirement(item.value, item.path, sink, style);
    if (req) matchExpressions.push(req);
    else ok = false;
  }
  r.finish();
  return ok ? { matchLabels, matchExpressions } : undefined;
}

function readRequirement(value: unknown, path: string, sink: IssueSink, style: KeyStyle): LabelSelectorRequirement | undefined {
  const r = FieldReader.of(value, path, sink, 'a match expression mapping');
  if (!r) return undefined;
  const key = r.string('key', { required: true });
  const opText = r.string('operator', { required: true });
  const values = (r.stringList('values') ?? []).map((v) => v.value);
  r.finish();
  if (key === undefined || opText === undefined) return undefined;
  // Kubernetes (and the CRD schema) takes the exact spelling; the legacy ConfigMap was read case-insensitively.
  const operator = style === 'crd' ? [...OPERATORS.values()].find((o) => o === opText) : OPERATORS.get(opText.toLowerCase());
  if (!operator) {
    sink.error(r.pathOf('operator'), `operator ${quote(opText)} must be one of In, NotIn, Exists, DoesNotExist`);
    return undefined;
  }
  if ((operator === 'In' || operator === 'NotIn') && values.length === 0) {
    sink.error(r.pathOf('values'), `operator ${operator} needs at least one value`);
    return undefined;
  }
  if ((operator === 'Exists' || operator === 'DoesNotExist') && values.length > 0) {
    sink.error(r.pathOf('values'), `operator ${operator} takes no values`);
    return undefined;
  }
  return { key, operator, values };
}

/** Reads a list of selectors under `key`; invalid entries are reported and dropped. */
export function readSelectorList(r: FieldReader, key: string, style: KeyStyle): LabelSelector[] {
  const out: LabelSelector[] = [];
  for (const item of r.list(key) ?? []) {
    const s = readLabelSelector(item.value, item.path, r.sink, style);
    if (s) out.push(s);
  }
  return out;
}

/** True when `labels` satisfy the selector (an empty selector matches everything). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels)) {
    if (labels[k] !== v) return false;
  }
  for (const req of selector.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    switch (req.operator) {
      case 'In':
        if (!has || !req.values.includes(labels[req.key] ?? '')) return false;
        break;
      case 'NotIn':
        if (has && req.values.includes(labels[req.key] ?? '')) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** A list of selectors matches when any one does; an empty list matches everything. */
export function anySelectorMatches(selectors: readonly LabelSelector[], labels: Record<string, string>): boolean {
  return selectors.length === 0 || selectors.some((s) => selectorMatches(s, labels));
}
