// `metallbts doctor`'s environment checks: kube-proxy, nodes, memberlist Secret and reachability, layer-2 subnets.
import * as yaml from 'js-yaml';
import type { ClusterSnapshot } from '../core/k8s/cluster-snapshot';
import { parseSubnet, subnetContains } from '../core/net/subnet';
import { EXCLUDE_LB_LABEL, type ClusterFacts } from './cluster-facts';

export type Verdict = 'ok' | 'warn' | 'fail' | 'skip';

export interface CheckResult {
  check: string;
  verdict: Verdict;
  /** One line: what was seen. */
  evidence: string;
  /** One line to run or do; absent when nothing to fix. */
  fix?: string;
  /** Structured detail for -o json (e.g. partitioned node pairs). */
  details?: Record<string, unknown>;
}

export const STRICT_ARP_FIX =
  'kubectl get configmap kube-proxy -n kube-system -o yaml | sed -e "s/strictARP: false/strictARP: true/" | kubectl apply -f - -n kube-system && kubectl -n kube-system rollout restart daemonset kube-proxy';

export function kubeProxyCheck(snap: ClusterSnapshot): CheckResult {
  const check = 'kube-proxy';
  if (!snap.kubeProxy.ok) return { check, verdict: 'skip', evidence: `cannot read kube-system/kube-proxy: ${snap.kubeProxy.error}` };
  const cm = snap.kubeProxy.value;
  if (!cm) return { check, verdict: 'skip', evidence: 'no ConfigMap kube-system/kube-proxy (kube-proxy not installed by kubeadm, or replaced): strictARP not checked' };
  const text = cm.data?.['config.conf'] ?? Object.values(cm.data ?? {}).find((v) => /\bmode:/.test(v));
  if (!text) return { check, verdict: 'warn', evidence: 'ConfigMap kube-system/kube-proxy has no config.conf', fix: 'kubectl -n kube-system get configmap kube-proxy -o yaml  # check where the KubeProxyConfiguration is' };
  let conf: { mode?: string; ipvs?: { strictARP?: boolean } };
  try {
    conf = (yaml.load(text) ?? {}) as typeof conf;
  } catch (err) {
    return { check, verdict: 'warn', evidence: `kube-system/kube-proxy config.conf is not YAML: ${(err as Error).message.split('\n')[0]}` };
  }
  const mode = conf.mode || 'iptables (default)';
  if (conf.mode !== 'ipvs') return { check, verdict: 'ok', evidence: `mode ${mode}: strictARP not needed` };
  if (conf.ipvs?.strictARP === true) return { check, verdict: 'ok', evidence: 'mode ipvs with strictARP: true' };
  return {
    check,
    verdict: 'fail',
    evidence: `mode ipvs with strictARP: ${String(conf.ipvs?.strictARP ?? false)}: every node answers ARP for every Service IP (kube-ipvs0), layer 2 failover breaks (MetalLB #153)`,
    fix: STRICT_ARP_FIX,
  };
}

export function nodesCheck(facts: ClusterFacts, snap: ClusterSnapshot): CheckResult {
  const check = 'nodes';
  if (!snap.nodes.ok) return { check, verdict: 'skip', evidence: `cannot list Nodes: ${snap.nodes.error}` };
  const excluded = facts.nodes.filter((n) => Object.prototype.hasOwnProperty.call(n.labels, EXCLUDE_LB_LABEL)).map((n) => n.name);
  const unavailable = facts.nodes.filter((n) => n.networkUnavailable).map((n) => n.name);
  const noSpeaker = facts.nodes.filter((n) => !facts.speakerNodes.has(n.name)).map((n) => n.name);
  const usable = facts.nodes.filter((n) => !excluded.includes(n.name) && !unavailable.includes(n.name) && !noSpeaker.includes(n.name)).map((n) => n.name);
  const parts: string[] = [];
  if (excluded.length) parts.push(`labelled ${EXCLUDE_LB_LABEL}: ${excluded.join(', ')}`);
  if (unavailable.length) parts.push(`NetworkUnavailable=True: ${unavailable.join(', ')}`);
  if (noSpeaker.length) parts.push(`${facts.speakerSource === 'pods' ? 'no running speaker pod' : 'no speaker reported'}: ${noSpeaker.join(', ')}`);
  const details = { usable, excluded, networkUnavailable: unavailable, withoutSpeaker: noSpeaker };
  if (parts.length === 0) return { check, verdict: 'ok', evidence: `${usable.length} node(s) can announce: ${usable.join(', ') || '-'}`, details };
  const fixes: string[] = [];
  if (excluded.length) fixes.push(`kubectl label node ${excluded[0]} ${EXCLUDE_LB_LABEL}-`);
  if (noSpeaker.length) fixes.push(`kubectl -n ${snap.namespace} get pods -o wide -l app.kubernetes.io/component=speaker  # taints/nodeSelector keep the speaker off ${noSpeaker[0]}?`);
  if (unavailable.length) fixes.push(`kubectl describe node ${unavailable[0]}  # the CNI has not set up its network`);
  return { check, verdict: usable.length === 0 ? 'fail' : 'warn', evidence: `${usable.length} of ${facts.nodes.length} node(s) can announce; ${parts.join('; ')}`, fix: fixes.join(' ; '), details };
}

export function memberlistSecretCheck(facts: ClusterFacts, snap: ClusterSnapshot): CheckResult {
  const check = 'memberlist-secret';
  if (!snap.memberlistSecret.ok) return { check, verdict: 'skip', evidence: `cannot read Secret ${snap.namespace}/memberlist: ${snap.memberlistSecret.error}` };
  if (!snap.memberlistSecret.value.present) {
    return {
      check,
      verdict: 'fail',
      evidence: `Secret ${snap.namespace}/memberlist is missing: speakers cannot encrypt gossip (the controller creates it at start; is it running?)`,
      fix: `kubectl create secret generic -n ${snap.namespace} memberlist --from-literal=secretkey="$(openssl rand -base64 128)"`,
    };
  }
  const failing = [...facts.speakers.values()].filter((s) => s.plugins.layer2 && !s.plugins.layer2.healthy && /memberlist|secret|key/i.test(s.plugins.layer2.message ?? ''));
  if (failing.length) {
    return {
      check,
      verdict: 'fail',
      evidence: `Secret present, but memberlist fails on ${failing.map((s) => `${s.node} (${s.plugins.layer2?.message})`).join('; ')}`,
      fix: `kubectl -n ${snap.namespace} rollout restart daemonset -l app.kubernetes.io/component=speaker`,
    };
  }
  // Speakers read the key at start: one started before the Secret existed or changed gossips with another key.
  const fp = snap.memberlistSecret.value.fingerprint;
  const stale = [...facts.speakers.values()].filter((s) => {
    const used = (s.plugins.layer2?.details as { memberlistKey?: string | null } | undefined)?.memberlistKey;
    return used !== undefined && facts.speakerNodes.has(s.node) && used !== fp;
  });
  if (stale.length) {
    return {
      check,
      verdict: 'fail',
      evidence: `speaker(s) ${stale.map((s) => s.node).join(', ')} do not use the key in Secret ${snap.namespace}/memberlist (started before it was created or changed): they cannot gossip with the others`,
      fix: `kubectl -n ${snap.namespace} rollout restart daemonset -l app.kubernetes.io/component=speaker`,
    };
  }
  return { check, verdict: 'ok', evidence: `Secret ${snap.namespace}/memberlist present${stale.length === 0 && facts.speakers.size ? ', used by every speaker that reports its key' : ''}` };
}

/** Every speaker reports the memberlist members it sees; a speaker missing from another's view is a broken pair. */
export function memberlistReachabilityCheck(facts: ClusterFacts): CheckResult {
  const check = 'memberlist-reachability';
  const reporting = [...facts.speakers.values()].filter((s) => facts.speakerNodes.has(s.node) && s.members);
  if (reporting.length === 0) return { check, verdict: 'skip', evidence: 'no speaker reports memberlist members (memberlist off, or no layer2 pool in use)' };
  const speakers = [...facts.speakerNodes].sort();
  const broken: Array<[string, string]> = [];
  for (const s of reporting) {
    for (const other of speakers) if (other !== s.node && !s.members?.includes(other)) broken.push([s.node, other]);
  }
  const details = { views: Object.fromEntries(reporting.map((s) => [s.node, s.members])), unreachable: broken.map(([a, b]) => ({ from: a, to: b })) };
  if (broken.length === 0) return { check, verdict: 'ok', evidence: `${reporting.length} speaker(s) all see each other (${speakers.join(', ')})`, details };
  return {
    check,
    verdict: 'fail',
    evidence: `partition: ${broken.map(([a, b]) => `${a} does not see ${b}`).join('; ')}`,
    fix: `allow TCP and UDP 7946 between the nodes (e.g. nft insert rule inet filter input tcp dport 7946 accept; nft insert rule inet filter input udp dport 7946 accept) and check with: metallbts memberlist --name probe --bind NODE_IP:7947 --join PEER_IP:7946`,
    details,
  };
}

/** For each layer2 pool: nodes with an interface whose subnet holds the whole pool; warns when none or when the announcer is elsewhere. */
export function layer2SubnetCheck(facts: ClusterFacts, snap: ClusterSnapshot): CheckResult {
  const check = 'layer2-subnets';
  const pools = (facts.config?.pools ?? []).filter((p) => p.protocols.includes('layer2'));
  if (pools.length === 0) return { check, verdict: 'skip', evidence: 'no layer2 pool' };
  const reports = [...facts.speakers.values()].filter((s) => s.interfaces.length > 0);
  if (reports.length === 0) return { check, verdict: 'skip', evidence: 'no speaker reports its interfaces' };
  const l2 = snap.serviceStatuses.layer2;
  const announcers = new Map<string, string>(); // service ip → node
  if (l2?.ok) {
    for (const o of l2.value) {
      const st = (o.status ?? {}) as { node?: string; serviceName?: string; serviceNamespace?: string };
      if (st.node && st.serviceName) announcers.set(`${st.serviceNamespace}/${st.serviceName}`, st.node);
    }
  }
  const byPool: Record<string, string[]> = {};
  const problems: string[] = [];
  for (const pool of pools) {
    const onLan = reports.filter((s) => pool.ranges.every((r) => s.interfaces.some((i) => i.cidrs.some((c) => {
      const sub = parseSubnet(c);
      return !!sub && subnetContains(sub, r);
    })))).map((s) => s.node);
    byPool[pool.name] = onLan;
    if (onLan.length === 0) problems.push(`pool ${pool.name} (${pool.ranges.map((r) => r.text).join(', ')}) is on no node's subnet: ARP/NDP answers will not reach clients`);
    for (const svc of snap.services.ok ? snap.services.value : []) {
      const key = `${svc.metadata?.namespace}/${svc.metadata?.name}`;
      const node = announcers.get(key);
      const from = svc.metadata?.annotations?.['metallb.io/ip-allocated-from-pool'];
      if (node && from === pool.name && onLan.length > 0 && !onLan.includes(node)) problems.push(`${key} (pool ${pool.name}) is announced by ${node}, which has no interface on the pool's subnet`);
    }
  }
  const evidence = Object.entries(byPool).map(([p, n]) => `${p}: ${n.length ? n.join(', ') : 'no node'}`).join('; ');
  if (problems.length === 0) return { check, verdict: 'ok', evidence: `nodes on each layer2 pool's subnet: ${evidence}`, details: { byPool } };
  return {
    check,
    verdict: 'warn',
    evidence: problems.join('; '),
    fix: 'use addresses from the nodes\' LAN for layer2 pools, or select the right nodes with an L2Advertisement nodeSelectors/interfaces',
    details: { byPool },
  };
}
