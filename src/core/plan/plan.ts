// Offline allocation preview (`metallbts plan`): runs the real allocator over a config and a Service list, optionally against the Services' present status.
import type { Pool } from '../config/model';
import { serviceKeyString, type ServiceView } from '../service';
import { Allocator, type Assigned } from '../ipam/allocator';
import type { Result } from '../ipam/allocation-error';
import { managedBy } from '../ipam/service-request';

/**
 * allocated/requested: gets an IP (no --current, or it had none); kept/changed/lost: compared with its
 * present status; failed: gets none (and had none); skipped: not handled by this controller.
 */
export type PlanResult = 'allocated' | 'requested' | 'kept' | 'changed' | 'lost' | 'failed' | 'skipped';

export interface PlanRow {
  namespace: string;
  name: string;
  pool?: string;
  ips: string[];
  result: PlanResult;
  /** Why it failed, was skipped or lost its IP, or why the previous IP was dropped. */
  reason?: string;
  /** Present status IPs (with --current) when they differ from the planned ones. */
  previousIPs?: string[];
}

export interface PlanOptions {
  /** Services with their present status.loadBalancer.ingress (the `--current` file). */
  current?: readonly ServiceView[];
  /** The controller's --lb-class. */
  lbClass?: string;
  namespaceLabels?: (ns: string) => Record<string, string> | undefined;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

/**
 * Without `current`: every Service is allocated from scratch in list order (status in the list is ignored).
 * With `current`: the Services (specs from `services`, else from `current`; the union of both lists)
 * start from their present IPs exactly as a restarted controller would (`Allocator.restore`), and
 * each row says whether the IP is kept, changed or lost.
 */
export function planAllocations(pools: readonly Pool[], services: readonly ServiceView[], opts: PlanOptions = {}): PlanRow[] {
  const status = new Map<string, string[]>();
  for (const c of opts.current ?? []) status.set(serviceKeyString(c), c.ingressIPs ?? []);
  const byKey = new Map<string, ServiceView>();
  for (const s of services) byKey.set(serviceKeyString(s), s);
  for (const c of opts.current ?? []) if (!byKey.has(serviceKeyString(c))) byKey.set(serviceKeyString(c), c);
  const list = [...byKey.values()].map((s) => ({ ...s, ingressIPs: opts.current ? (status.get(serviceKeyString(s)) ?? []) : [] }));

  const allocator = new Allocator(pools, { namespaceLabels: opts.namespaceLabels });
  const managed = list.filter((s) => managedBy(s, opts.lbClass).managed);
  const results: Map<string, Result<Assigned>> = opts.current ? allocator.restore(managed) : new Map(managed.map((s) => [serviceKeyString(s), allocator.assign(s)]));

  return list.map((s) => {
    const base = { namespace: s.namespace, name: s.name };
    const previous = s.ingressIPs;
    const m = managedBy(s, opts.lbClass);
    if (!m.managed) {
      return previous.length > 0 ? { ...base, ips: [], result: 'lost', reason: m.reason, previousIPs: previous } : { ...base, ips: [], result: 'skipped', reason: m.reason };
    }
    const r = results.get(serviceKeyString(s)) as Result<Assigned>;
    if (!r.ok) {
      return previous.length > 0
        ? { ...base, ips: [], result: 'lost', reason: r.error.message, previousIPs: previous }
        : { ...base, ips: [], result: 'failed', reason: r.error.message };
    }
    const row: PlanRow = { ...base, pool: r.value.pool, ips: r.value.ips, result: r.value.outcome === 'requested' ? 'requested' : 'allocated' };
    if (opts.current && previous.length > 0) {
      if (sameSet(previous, r.value.ips)) row.result = 'kept';
      else {
        row.result = 'changed';
        row.previousIPs = previous;
        if (r.value.replaced) row.reason = r.value.replaced.reason;
      }
    }
    return row;
  });
}

/** One line per result for the RESULT column. */
export function describeResult(row: PlanRow): string {
  switch (row.result) {
    case 'changed':
      return `changed from ${row.previousIPs?.join(',')}${row.reason ? `: ${row.reason}` : ''}`;
    case 'lost':
      return `lost ${row.previousIPs?.join(',')}: ${row.reason}`;
    case 'failed':
    case 'skipped':
      return `${row.result}: ${row.reason}`;
    default:
      return row.result;
  }
}

/** Fixed-width table with columns NAMESPACE NAME POOL IP RESULT. */
export function formatPlanTable(rows: readonly PlanRow[]): string {
  const header = ['NAMESPACE', 'NAME', 'POOL', 'IP', 'RESULT'];
  const cells = rows.map((r) => [r.namespace, r.name, r.pool ?? '-', r.ips.length > 0 ? r.ips.join(',') : '-', describeResult(r)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]?.length ?? 0)));
  const line = (c: string[]): string =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('   ')
      .trimEnd();
  return [line(header), ...cells.map(line)].join('\n') + '\n';
}
