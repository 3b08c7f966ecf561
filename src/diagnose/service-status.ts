// `metallbts status svc`: which nodes announce a Service's IPs per protocol, why the others do not, which BGP peers carry it.
import type * as k8s from '@kubernetes/client-node';
import { anySelectorMatches } from '../core/config/selectors';
import type { ClusterSnapshot, MetallbObject } from '../core/k8s/cluster-snapshot';
import { toServiceView } from '../core/k8s/service-view';
import type { EndpointView, NodeView } from '../core/plugin-api';
import { ANNOTATION, metallbAnnotation, type ServiceView } from '../core/service';
import { poolForService } from '../core/speaker/pool-lookup';
import { advertisementsFor, electOwner, interfacesFor, nodeSelected } from '../../plugins/layer2/owner-election';
import { endpointsOf, nodeBlocker, type ClusterFacts } from './cluster-facts';

export interface NodeVerdict {
  node: string;
  announcing: boolean;
  /** Why it announces (interfaces, peers) or why not. */
  reason: string;
  interfaces?: string[];
  peers?: string[];
}

export interface ServiceStatusReport {
  service: string;
  type: string;
  pool?: string;
  ips: string[];
  /** Why the Service has no IP or is not announced at all. */
  problems: string[];
  /** protocol → per-node verdicts (announcing first). */
  protocols: Record<string, NodeVerdict[]>;
}

interface StatusObjectFields {
  node?: string;
  interfaces?: Array<{ name?: string }>;
  peers?: string[];
}

function statusNodes(objs: MetallbObject[] | undefined): Map<string, StatusObjectFields> {
  const out = new Map<string, StatusObjectFields>();
  for (const o of objs ?? []) {
    const st = (o.status ?? {}) as StatusObjectFields;
    const node = st.node ?? o.metadata?.labels?.['metallb.io/node'];
    if (node) out.set(node, st);
  }
  return out;
}

export function serviceStatus(snap: ClusterSnapshot, facts: ClusterFacts): ServiceStatusReport {
  if (!snap.services.ok) throw new Error(`cannot read the Service: ${snap.services.error}`);
  const raw = snap.services.value[0] as k8s.V1Service;
  const svc = toServiceView(raw);
  const report: ServiceStatusReport = { service: `${svc.namespace}/${svc.name}`, type: svc.type, ips: svc.ingressIPs, problems: [], protocols: {} };
  if (svc.type !== 'LoadBalancer') report.problems.push(`type is ${svc.type}, not LoadBalancer`);
  if (svc.ingressIPs.length === 0) report.problems.push('no IP allocated yet (see `kubectl describe svc` for AllocationFailed, or `metallbts doctor`)');
  if (!facts.config) {
    report.problems.push(snap.configObjects.ok ? 'the configuration in the cluster is invalid (see `metallbts doctor`)' : `cannot read the configuration: ${snap.configObjects.error}`);
    return report;
  }
  const pool = poolForService(facts.config, svc);
  report.pool = pool?.name ?? metallbAnnotation(svc, ANNOTATION.ipAllocatedFromPool);
  if (!pool) {
    if (svc.ingressIPs.length > 0) report.problems.push(`IPs ${svc.ingressIPs.join(', ')} are in no configured pool: not announced`);
    return report;
  }
  const endpoints = endpointsOf(snap, svc);
  for (const protocol of pool.protocols) {
    const objs = snap.serviceStatuses[protocol];
    const announced = statusNodes(objs?.ok ? objs.value : undefined);
    let verdicts: NodeVerdict[];
    if (protocol === 'layer2') verdicts = layer2Verdicts(svc, pool.name, facts, endpoints, announced);
    else if (protocol === 'bgp') verdicts = bgpVerdicts(svc, pool.name, facts, endpoints, announced);
    else verdicts = facts.nodes.map((n) => ({ node: n.name, announcing: announced.has(n.name), reason: announced.has(n.name) ? 'announcing' : 'no status object from this node (third-party plugin)' }));
    verdicts.sort((a, b) => Number(b.announcing) - Number(a.announcing) || a.node.localeCompare(b.node));
    report.protocols[protocol] = verdicts;
    if (!verdicts.some((v) => v.announcing) && svc.ingressIPs.length > 0) report.problems.push(`${protocol}: no node announces this Service`);
  }
  return report;
}

function activeOn(endpoints: EndpointView[], node: string): boolean {
  return endpoints.some((e) => e.nodeName === node && (e.ready || e.serving));
}

function layer2Verdicts(svc: ServiceView, pool: string, facts: ClusterFacts, endpoints: EndpointView[], announced: Map<string, StatusObjectFields>): NodeVerdict[] {
  const l2Ads = facts.config?.l2Advertisements ?? [];
  const ads = advertisementsFor({ pool, service: svc, l2Advertisements: l2Ads });
  // Members as the announcing speaker sees them (else any speaker's view): the election ran on that view.
  const owner = [...announced.keys()][0];
  const view = (owner ? facts.speakers.get(owner)?.members : undefined) ?? [...facts.speakers.values()].find((s) => s.members)?.members;
  const members = view?.filter((m) => facts.speakerNodes.has(m));
  const election = electOwner({ service: svc, pool, nodes: facts.nodes, members, endpoints, l2Advertisements: l2Ads, subnetAware: true });
  const anyActive = endpoints.some((e) => e.ready || e.serving);
  return facts.nodes.map((n): NodeVerdict => {
    const st = announced.get(n.name);
    if (st) {
      const interfaces = (st.interfaces ?? []).map((i) => i.name ?? '').filter((x) => x);
      return { node: n.name, announcing: true, reason: `announcing (ServiceL2Status)${interfaces.length ? ` on ${interfaces.join(', ')}` : ''}`, interfaces };
    }
    return { node: n.name, announcing: false, reason: layer2Why(n, svc, facts, ads.length > 0 && nodeSelected(n, ads), endpoints, anyActive, members, election, interfacesFor(n, ads)) };
  });
}

function layer2Why(
  n: NodeView,
  svc: ServiceView,
  facts: ClusterFacts,
  selected: boolean,
  endpoints: EndpointView[],
  anyActive: boolean,
  members: string[] | undefined,
  election: { owner?: string; candidates: string[]; reason: string },
  interfaces: string[],
): string {
  const blocked = nodeBlocker(n, facts);
  if (blocked) return blocked;
  if (!anyActive) return 'the Service has no ready or serving endpoint anywhere';
  if (!selected) return 'no L2Advertisement for this pool selects this node and Service';
  if (svc.externalTrafficPolicy === 'Local' && !activeOn(endpoints, n.name)) return 'externalTrafficPolicy Local and no serving endpoint on this node';
  if (members && !members.includes(n.name)) return 'not in the memberlist as the other speakers see it (memberlist 7946 blocked or speaker down?)';
  const rank = election.candidates.indexOf(n.name);
  if (rank < 0 && election.reason.endsWith('on its subnet')) return `no interface on the subnet of ${svc.ingressIPs[0]} (subnet-aware layer 2: ${election.candidates.join(', ')} are)`;
  if (rank > 0) return `standby: ${election.owner} wins the election for ${svc.ingressIPs[0]} (this node is candidate ${rank + 1} of ${election.candidates.length})`;
  if (rank === 0) return `elected owner${interfaces.length ? ` (interfaces ${interfaces.join(', ')})` : ''} but no ServiceL2Status yet: the speaker has not announced (see its ConfigurationState and logs)`;
  return election.reason;
}

function bgpVerdicts(svc: ServiceView, pool: string, facts: ClusterFacts, endpoints: EndpointView[], announced: Map<string, StatusObjectFields>): NodeVerdict[] {
  const cfg = facts.config;
  const ads = (cfg?.bgpAdvertisements ?? []).filter((a) => a.pools.includes(pool) && anySelectorMatches(a.serviceSelectors, svc.labels));
  const anyReady = endpoints.some((e) => e.ready);
  return facts.nodes.map((n): NodeVerdict => {
    const st = announced.get(n.name);
    if (st) return { node: n.name, announcing: true, reason: `advertised (ServiceBGPStatus) to ${(st.peers ?? []).join(', ') || 'no peer'}`, peers: st.peers ?? [] };
    const blocked = nodeBlocker(n, facts, 'bgp');
    if (blocked) return { node: n.name, announcing: false, reason: blocked };
    const nodeAds = ads.filter((a) => anySelectorMatches(a.nodeSelectors, n.labels));
    if (nodeAds.length === 0) return { node: n.name, announcing: false, reason: 'no BGPAdvertisement for this pool selects this node and Service' };
    const peers = (cfg?.peers ?? []).filter((p) => anySelectorMatches(p.nodeSelectors, n.labels));
    if (peers.length === 0) return { node: n.name, announcing: false, reason: 'no BGPPeer selects this node' };
    if (svc.externalTrafficPolicy === 'Local' ? !endpoints.some((e) => e.ready && e.nodeName === n.name) : !anyReady) {
      return { node: n.name, announcing: false, reason: svc.externalTrafficPolicy === 'Local' ? 'externalTrafficPolicy Local and no ready endpoint on this node' : 'the Service has no ready endpoint' };
    }
    const sessions = bgpSessions(facts, n.name);
    const up = sessions.filter((s) => s.state === 'Established').map((s) => s.peer);
    if (sessions.length > 0 && up.length === 0) return { node: n.name, announcing: false, reason: `no BGP session established (${sessions.map((s) => `${s.peer}: ${s.state}${s.lastError ? `, ${s.lastError}` : ''}`).join('; ')})` };
    return { node: n.name, announcing: false, reason: 'eligible, but no ServiceBGPStatus from this node yet' };
  });
}

/** BGP sessions a speaker reported (plugins.bgp.details.sessions). */
export function bgpSessions(facts: ClusterFacts, node: string): Array<{ peer: string; address?: string; state: string; lastError?: string }> {
  const d = facts.speakers.get(node)?.plugins.bgp?.details as { sessions?: unknown } | undefined;
  return Array.isArray(d?.sessions) ? (d.sessions as Array<{ peer: string; address?: string; state: string; lastError?: string }>) : [];
}

export function formatServiceStatus(r: ServiceStatusReport): string {
  const lines = [`Service:  ${r.service} (${r.type})`, `Pool:     ${r.pool ?? '-'}`, `IPs:      ${r.ips.length ? r.ips.join(', ') : '<pending>'}`];
  for (const [protocol, verdicts] of Object.entries(r.protocols)) {
    const on = verdicts.filter((v) => v.announcing).map((v) => v.node);
    lines.push('', `${protocol}: announced by ${on.length ? on.join(', ') : 'no node'}`);
    const width = Math.max(4, ...verdicts.map((v) => v.node.length));
    lines.push(`  ${'NODE'.padEnd(width)}   ANNOUNCING   WHY`);
    for (const v of verdicts) lines.push(`  ${v.node.padEnd(width)}   ${(v.announcing ? 'yes' : 'no').padEnd(10)}   ${v.reason}`);
    if (protocol === 'bgp') {
      const peers = verdicts.filter((v) => v.peers?.length).map((v) => `${v.node} → ${v.peers?.join(', ')}`);
      lines.push(`  BGP peers carrying it: ${peers.length ? peers.join('; ') : 'none'}`);
    }
  }
  if (r.problems.length) lines.push('', 'Problems:', ...r.problems.map((p) => `  - ${p}`));
  return lines.join('\n') + '\n';
}
