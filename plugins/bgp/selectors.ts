// Kubernetes label selector matching for peers' and advertisements' node/service selectors.
import type { LabelSelector } from '../../src/core/plugin-api';

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

/** An empty list selects everything; otherwise any selector may match. */
export function anySelectorMatches(selectors: readonly LabelSelector[], labels: Record<string, string>): boolean {
  return selectors.length === 0 || selectors.some((s) => selectorMatches(s, labels));
}
