// Picks the one node that announces a layer-2 Service, exactly as MetalLB does, so mixed or migrated clusters agree.
import { createHash } from 'node:crypto';
import type { EndpointView, L2Advertisement, NodeView, ServiceView } from '../../src/core/plugin-api';
import { canonicalIp, parseIp, parseSubnet, subnetContains } from '../../src/core/plugin-api';
import { anySelectorMatches } from './selectors';

export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

export interface ElectionInput {
  service: Pick<ServiceView, 'labels' | 'externalTrafficPolicy' | 'ingressIPs'>;
  /** The pool the Service's IPs come from. */
  pool: string;
  /** Every Node the speaker knows. */
  nodes: NodeView[];
  /** Names of memberlist members alive or suspect; undefined when memberlist is off (then: all Nodes). */
  members?: string[];
  endpoints: EndpointView[];
  l2Advertisements: L2Advertisement[];
  /** The IP hashed with node names; defaults to the Service's first ingress IP. */
  firstIp?: string;
  /**
   * Subnet-aware (metallbts, PureLB-like): only nodes with an interface whose subnet holds the IP are
   * candidates, unless an L2Advertisement names interfaces or no node reports being on that subnet. A node
   * that reported no interfaces at all stays a candidate.
   */
  subnetAware?: boolean;
}

export interface ElectionResult {
  /** The announcing node, if any. */
  owner?: string;
  /** Eligible nodes in election order (best first). */
  candidates: string[];
  /** Why there is no owner, or how it was chosen. */
  reason: string;
}

/** An endpoint can take traffic: ready, or serving (e.g. terminating but still serving). */
export function endpointActive(ep: EndpointView): boolean {
  return ep.ready || ep.serving;
}

/** L2Advertisements that apply to `pool` and select the Service. */
export function advertisementsFor(input: Pick<ElectionInput, 'pool' | 'service' | 'l2Advertisements'>): L2Advertisement[] {
  return input.l2Advertisements.filter(
    (ad) => ad.pools.includes(input.pool) && anySelectorMatches(ad.serviceSelectors, input.service.labels),
  );
}

/** Whether some L2Advertisement for the pool/Service selects `node` (nodeSelectors; empty = all nodes). */
export function nodeSelected(node: NodeView, ads: L2Advertisement[]): boolean {
  return ads.some((ad) => anySelectorMatches(ad.nodeSelectors, node.labels));
}

/** Interfaces `node` announces on for this pool/Service: empty = all eligible (some advertisement names none). */
export function interfacesFor(node: NodeView, ads: L2Advertisement[]): string[] {
  const selecting = ads.filter((ad) => anySelectorMatches(ad.nodeSelectors, node.labels));
  if (selecting.length === 0 || selecting.some((ad) => ad.interfaces.length === 0)) return [];
  return [...new Set(selecting.flatMap((ad) => ad.interfaces))].sort();
}

/** Subnet-aware for these advertisements: the plugin option, unless one names interfaces (they win) or opts out by annotation. */
export function subnetAwareFor(ads: L2Advertisement[], option: boolean | undefined): boolean {
  return !!option && !ads.some((ad) => ad.interfaces.length > 0 || ad.subnetAware === false);
}

/** The node's reported interfaces with an address whose subnet holds `ip` (none when it reported nothing). */
export function subnetInterfaces(node: NodeView | undefined, ip: string): string[] {
  const parsed = parseIp(ip);
  if (!node?.interfaces || !parsed) return [];
  const range = { family: parsed.family, first: parsed.value, last: parsed.value };
  return node.interfaces
    .filter((i) => i.cidrs.some((c) => {
      const sub = parseSubnet(c);
      return !!sub && subnetContains(sub, range);
    }))
    .map((i) => i.name)
    .sort();
}

export function electionHash(nodeName: string, ip: string): Buffer {
  return createHash('sha256').update(`${nodeName}#${ip}`).digest();
}

/** Orders node names by sha256(name + "#" + ip), ascending bytewise (MetalLB's layer2 ordering). */
export function electionOrder(nodeNames: string[], ip: string): string[] {
  return nodeNames
    .map((name) => ({ name, h: electionHash(name, ip) }))
    .sort((a, b) => Buffer.compare(a.h, b.h) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((x) => x.name);
}

export function electOwner(input: ElectionInput): ElectionResult {
  const raw = input.firstIp ?? input.service.ingressIPs[0];
  // Go formats net.IP canonically (RFC 5952 for IPv6) before hashing.
  const ip = raw === undefined ? undefined : (canonicalIp(raw) ?? raw);
  if (!ip) return { candidates: [], reason: 'service has no ingress IP' };
  const active = input.endpoints.filter(endpointActive);
  if (active.length === 0) return { candidates: [], reason: 'no serving endpoint' };
  const ads = advertisementsFor(input);
  if (ads.length === 0) return { candidates: [], reason: `no L2Advertisement for pool ${input.pool} selects the service` };

  const members = input.members ? new Set(input.members) : undefined;
  const withEndpoint = new Set(active.map((ep) => ep.nodeName).filter((n): n is string => !!n));
  const local = input.service.externalTrafficPolicy === 'Local';
  const names = input.nodes
    .filter((n) => !members || members.has(n.name))
    .filter((n) => !n.networkUnavailable)
    .filter((n) => !Object.prototype.hasOwnProperty.call(n.labels, EXCLUDE_LB_LABEL))
    .filter((n) => nodeSelected(n, ads))
    .filter((n) => !local || withEndpoint.has(n.name))
    .map((n) => n.name);
  let pool = names;
  let where = '';
  if (subnetAwareFor(ads, input.subnetAware)) {
    const byName = new Map(input.nodes.map((n) => [n.name, n]));
    // A node that reported no interfaces (a MetalLB speaker in a mixed cluster, or a speaker not heard from
    // yet) stays a candidate: excluding it would make our election disagree with its own.
    const onSubnet = names.filter((n) => {
      const view = byName.get(n);
      return view?.interfaces === undefined || subnetInterfaces(view, ip).length > 0;
    });
    if (onSubnet.length > 0) {
      pool = onSubnet;
      where = ' on its subnet';
    }
  }
  const candidates = electionOrder([...new Set(pool)], ip);
  if (candidates.length === 0) {
    return { candidates, reason: local ? 'no eligible node with a local serving endpoint' : 'no eligible node' };
  }
  return { owner: candidates[0], candidates, reason: `lowest sha256(node#${ip}) among ${candidates.length} eligible${where}` };
}
