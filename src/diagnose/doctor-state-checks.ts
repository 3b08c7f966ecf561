// `metallbts doctor`'s state checks: config per component, BGP sessions, pool usage, pending Services.
import { formatIssue } from '../core/config';
import { Allocator } from '../core/ipam/allocator';
import { managedBy } from '../core/ipam/service-request';
import { planAllocations } from '../core/plan/plan';
import type { ClusterSnapshot } from '../core/k8s/cluster-snapshot';
import { toServiceView } from '../core/k8s/service-view';
import type { ServiceView } from '../core/service';
import type { ClusterFacts } from './cluster-facts';
import type { CheckResult } from './doctor-checks';
import { bgpSessions } from './service-status';

/** A pool this full or more is reported (warn); full is a failure. */
export const POOL_WARN_RATIO = 0.9;

export function configCheck(facts: ClusterFacts, snap: ClusterSnapshot): CheckResult {
  const check = 'config';
  if (!snap.configObjects.ok) return { check, verdict: 'skip', evidence: `cannot read the configuration: ${snap.configObjects.error}` };
  const errors = facts.configIssues.filter((i) => i.severity === 'error').map(formatIssue);
  const components: string[] = [];
  const ctl = facts.controllerState?.status as { result?: string; lastError?: string } | undefined;
  if (ctl?.result === 'Invalid') components.push(`controller: ${ctl.lastError ?? 'Invalid'}`);
  for (const s of facts.speakers.values()) if (s.result === 'Invalid') components.push(`speaker-${s.node}: ${s.lastError ?? 'Invalid'}`);
  const details = { errors, components };
  if (errors.length || components.length) {
    return {
      check,
      verdict: 'fail',
      evidence: [...errors, ...components].slice(0, 5).join('; ') + (errors.length + components.length > 5 ? ` (+${errors.length + components.length - 5} more)` : ''),
      fix: `kubectl -n ${snap.namespace} get configmap config -o yaml > config.yaml && metallbts validate config.yaml  # fix the located errors; the last good config stays in force meanwhile`,
      details,
    };
  }
  if (!facts.config || facts.config.pools.length === 0) {
    return { check, verdict: 'warn', evidence: 'no address pool configured: no Service can get an IP', fix: `kubectl apply -f pool.yaml  # an IPAddressPool (or ConfigMap ${snap.namespace}/config with address-pools)` };
  }
  if (!ctl) return { check, verdict: 'warn', evidence: 'the controller has not reported (no ConfigurationState controller): is it running?', fix: `kubectl -n ${snap.namespace} get pods -l app.kubernetes.io/component=controller` };
  return { check, verdict: 'ok', evidence: `${facts.config.pools.length} pool(s); controller and ${facts.speakers.size} speaker(s) report a valid configuration`, details };
}

export function bgpSessionsCheck(facts: ClusterFacts): CheckResult {
  const check = 'bgp-sessions';
  const peers = facts.config?.peers ?? [];
  const rows: Array<{ node: string; peer: string; state: string; lastError?: string }> = [];
  for (const node of facts.speakerNodes) for (const s of bgpSessions(facts, node)) rows.push({ node, peer: s.peer, state: s.state, lastError: s.lastError });
  if (peers.length === 0 && rows.length === 0) return { check, verdict: 'skip', evidence: 'no BGP peer configured' };
  if (rows.length === 0) return { check, verdict: 'warn', evidence: `${peers.length} peer(s) configured but no speaker reports a BGP session (no bgp pool in use, or speakers not running)` };
  const down = rows.filter((r) => r.state !== 'Established');
  const details = { sessions: rows };
  if (down.length === 0) return { check, verdict: 'ok', evidence: `${rows.length} session(s) Established: ${rows.map((r) => `${r.node}→${r.peer}`).join(', ')}`, details };
  return {
    check,
    verdict: 'fail',
    evidence: down.map((r) => `${r.node}→${r.peer}: ${r.state}${r.lastError ? ` (${r.lastError})` : ''}`).join('; '),
    fix: 'check the router: its neighbor address/ASN for these nodes, TCP 179 open, MD5 password; try: metallbts bgp announce --peer ADDR --my-asn A --peer-asn B --prefix P',
    details,
  };
}

function serviceViews(snap: ClusterSnapshot): ServiceView[] {
  return snap.services.ok ? snap.services.value.map(toServiceView) : [];
}

export function poolUsageCheck(facts: ClusterFacts, snap: ClusterSnapshot): CheckResult {
  const check = 'pool-usage';
  const pools = facts.config?.pools ?? [];
  if (pools.length === 0 || !snap.services.ok) return { check, verdict: 'skip', evidence: snap.services.ok ? 'no pool' : `cannot list Services: ${snap.services.error}` };
  const labels = snap.namespaceLabels.ok ? snap.namespaceLabels.value : new Map<string, Record<string, string>>();
  const allocator = new Allocator(pools, { namespaceLabels: (ns) => labels.get(ns) });
  allocator.restore(serviceViews(snap).filter((s) => managedBy(s).managed && s.ingressIPs.length > 0));
  const usage: Record<string, { inUse: number; total: string }> = {};
  const full: string[] = [];
  const near: string[] = [];
  for (const name of allocator.poolNames()) {
    const st = allocator.stats(name);
    if (!st) continue;
    usage[name] = { inUse: st.inUse, total: st.total.toString() };
    if (st.total > 0n && st.available === 0n) full.push(`${name} ${st.inUse}/${st.total}`);
    else if (st.total > 0n && Number(st.inUse) >= Number(st.total) * POOL_WARN_RATIO) near.push(`${name} ${st.inUse}/${st.total}`);
  }
  const evidence = Object.entries(usage).map(([p, u]) => `${p} ${u.inUse}/${u.total}`).join(', ');
  if (full.length === 0 && near.length === 0) return { check, verdict: 'ok', evidence: `in use: ${evidence}`, details: { usage } };
  return {
    check,
    verdict: full.length ? 'fail' : 'warn',
    evidence: [full.length ? `exhausted: ${full.join(', ')}` : '', near.length ? `above ${POOL_WARN_RATIO * 100}%: ${near.join(', ')}` : ''].filter((x) => x).join('; '),
    fix: 'add addresses to the pool (IPAddressPool spec.addresses) or a new pool; `metallbts plan` previews the change',
    details: { usage },
  };
}

export function pendingServicesCheck(facts: ClusterFacts, snap: ClusterSnapshot): CheckResult {
  const check = 'pending-services';
  if (!snap.services.ok) return { check, verdict: 'skip', evidence: `cannot list Services: ${snap.services.error}` };
  const views = serviceViews(snap).filter((s) => managedBy(s).managed);
  const pending = views.filter((s) => s.ingressIPs.length === 0);
  const [first] = pending;
  if (first === undefined) return { check, verdict: 'ok', evidence: `${views.length} LoadBalancer Service(s), none pending` };
  const labels = snap.namespaceLabels.ok ? snap.namespaceLabels.value : new Map<string, Record<string, string>>();
  const rows = facts.config ? planAllocations(facts.config.pools, views, { current: views, namespaceLabels: (ns) => labels.get(ns) }) : [];
  const why = pending.map((s) => {
    const row = rows.find((r) => r.namespace === s.namespace && r.name === s.name);
    const reason = !facts.config
      ? 'no valid configuration'
      : row?.result === 'failed' || row?.result === 'lost'
        ? (row.reason ?? 'allocation fails')
        : `would get ${row?.ips.join(',') ?? '?'} from ${row?.pool ?? '?'}: the controller has not assigned it (is it running?)`;
    return { service: `${s.namespace}/${s.name}`, reason };
  });
  return {
    check,
    verdict: 'fail',
    evidence: why.slice(0, 5).map((w) => `${w.service}: ${w.reason}`).join('; ') + (why.length > 5 ? ` (+${why.length - 5} more)` : ''),
    fix: `kubectl describe svc -n ${first.namespace} ${first.name}  # AllocationFailed Events; metallbts plan --config ... --services ... previews allocations`,
    details: { pending: why },
  };
}
