// `metallbts doctor`: runs every check on one cluster snapshot; a table or JSON, and an exit code for scripts.
import type { LoadOptions } from '../core/config';
import type { ClusterSnapshot } from '../core/k8s/cluster-snapshot';
import { clusterFacts } from './cluster-facts';
import { kubeProxyCheck, layer2SubnetCheck, memberlistReachabilityCheck, memberlistSecretCheck, nodesCheck, type CheckResult, type Verdict } from './doctor-checks';
import { bgpSessionsCheck, configCheck, pendingServicesCheck, poolUsageCheck } from './doctor-state-checks';

export interface DoctorReport {
  checks: CheckResult[];
  /** The worst verdict (skip counts as ok). */
  verdict: 'ok' | 'warn' | 'fail';
}

/** Exit codes: 0 all ok, 1 some check failed, 3 only warnings (2 is usage / API unreachable). */
export const DOCTOR_EXIT = { ok: 0, fail: 1, usage: 2, warn: 3 } as const;

export function runDoctorChecks(snap: ClusterSnapshot, loadOptions: LoadOptions): DoctorReport {
  const facts = clusterFacts(snap, loadOptions);
  const checks: CheckResult[] = [
    kubeProxyCheck(snap),
    nodesCheck(facts, snap),
    memberlistSecretCheck(facts, snap),
    memberlistReachabilityCheck(facts),
    layer2SubnetCheck(facts, snap),
    bgpSessionsCheck(facts),
    configCheck(facts, snap),
    poolUsageCheck(facts, snap),
    pendingServicesCheck(facts, snap),
  ].map((c) => safe(c));
  const worst = (v: Verdict): number => ({ fail: 2, warn: 1, ok: 0, skip: 0 })[v];
  const max = Math.max(0, ...checks.map((c) => worst(c.verdict)));
  return { checks, verdict: max === 2 ? 'fail' : max === 1 ? 'warn' : 'ok' };
}

function safe(c: CheckResult): CheckResult {
  return { ...c, evidence: c.evidence.replace(/\s+/g, ' ').trim() };
}

export function formatDoctorTable(r: DoctorReport): string {
  const width = Math.max(5, ...r.checks.map((c) => c.check.length));
  const lines = [`${'CHECK'.padEnd(width)}   VERDICT   EVIDENCE`];
  for (const c of r.checks) {
    lines.push(`${c.check.padEnd(width)}   ${c.verdict.toUpperCase().padEnd(7)}   ${c.evidence}`);
    if (c.fix && (c.verdict === 'fail' || c.verdict === 'warn')) lines.push(`${''.padEnd(width)}   ${''.padEnd(7)}   fix: ${c.fix}`);
  }
  lines.push('', `overall: ${r.verdict.toUpperCase()}`);
  return lines.join('\n') + '\n';
}
