// Which pools a Service may use and in what order (serviceAllocation namespaces, selectors, priority), separate from address bookkeeping.
import type { Pool } from '../config/model';
import { anySelectorMatches } from '../config/selectors';
import type { AllocationRequest } from './service-request';

/** Labels of a namespace, or undefined when unknown. */
export type NamespaceLabels = (namespace: string) => Record<string, string> | undefined;

/** Kubernetes labels every namespace with its own name; we add it so selectors on it work even without a lookup. */
function labelsOfNamespace(ns: string, lookup: NamespaceLabels | undefined): Record<string, string> {
  return { 'kubernetes.io/metadata.name': ns, ...(lookup?.(ns) ?? {}) };
}

/**
 * True when the pool's serviceAllocation admits the Service: its namespace is listed or matches a
 * namespace selector (when either is given), and its labels match a service selector (when given).
 * A pool without serviceAllocation admits every Service.
 */
export function poolAdmits(pool: Pool, req: Pick<AllocationRequest, 'namespace' | 'labels'>, nsLabels?: NamespaceLabels): boolean {
  const sa = pool.serviceAllocation;
  if (!sa) return true;
  if (sa.namespaces.length > 0 || sa.namespaceSelectors.length > 0) {
    const listed = sa.namespaces.includes(req.namespace);
    const selected = sa.namespaceSelectors.length > 0 && anySelectorMatches(sa.namespaceSelectors, labelsOfNamespace(req.namespace, nsLabels));
    if (!listed && !selected) return false;
  }
  return anySelectorMatches(sa.serviceSelectors, req.labels);
}

/** Why the pool does not admit the Service (for error messages). */
export function whyNotAdmitted(pool: Pool, req: Pick<AllocationRequest, 'namespace' | 'labels'>, nsLabels?: NamespaceLabels): string {
  const sa = pool.serviceAllocation;
  if (!sa) return '';
  if (sa.namespaces.length > 0 || sa.namespaceSelectors.length > 0) {
    const listed = sa.namespaces.includes(req.namespace);
    const selected = sa.namespaceSelectors.length > 0 && anySelectorMatches(sa.namespaceSelectors, labelsOfNamespace(req.namespace, nsLabels));
    if (!listed && !selected) return `pool "${pool.name}" does not serve namespace "${req.namespace}"`;
  }
  return `pool "${pool.name}" service selectors do not match the service's labels`;
}

/**
 * Auto-assignment order: first the autoAssign pools whose serviceAllocation admits the Service,
 * by priority (lower number first, 0 = none = last; ties keep config order), then the autoAssign
 * pools without serviceAllocation in config order. Pools with a serviceAllocation that excludes
 * the Service are never used for it.
 */
export function autoAssignTiers(pools: readonly Pool[], req: Pick<AllocationRequest, 'namespace' | 'labels'>, nsLabels?: NamespaceLabels): [Pool[], Pool[]] {
  const pinned: Pool[] = [];
  const general: Pool[] = [];
  for (const p of pools) {
    if (!p.autoAssign) continue;
    if (!p.serviceAllocation) general.push(p);
    else if (poolAdmits(p, req, nsLabels)) pinned.push(p);
  }
  const rank = (p: Pool): number => {
    const prio = p.serviceAllocation?.priority ?? 0;
    return prio > 0 ? prio : Number.POSITIVE_INFINITY;
  };
  // Array.prototype.sort is stable, so equal priorities keep config order.
  pinned.sort((a, b) => rank(a) - rank(b) || 0);
  return [pinned, general];
}
