// Kubernetes label-selector matching for L2Advertisement node and service selectors (plugins may not import core config code).
import type { LabelSelector } from '../../src/core/plugin-api';

/** True when `labels` satisfy the selector (an empty selector matches everything). */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels)) if (labels[k] !== v) return false;
  for (const req of selector.matchExpressions) {
    const has = Object.prototype.hasOwnProperty.call(labels, req.key);
    if (req.operator === 'In' && !(has && req.values.includes(labels[req.key]))) return false;
    if (req.operator === 'NotIn' && has && req.values.includes(labels[req.key])) return false;
    if (req.operator === 'Exists' && !has) return false;
    if (req.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** A selector list matches when any one does; an empty list matches everything. */
export function anySelectorMatches(selectors: LabelSelector[], labels: Record<string, string>): boolean {
  return selectors.length === 0 || selectors.some((s) => selectorMatches(s, labels));
}
