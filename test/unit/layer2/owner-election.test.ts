// MetalLB's layer-2 owner election, rule by rule, with precomputed sha256 orderings.
import { createHash } from 'node:crypto';
import type { EndpointView, L2Advertisement, NodeView } from '../../../src/core/plugin-api';
import { electOwner, electionOrder, EXCLUDE_LB_LABEL, interfacesFor, subnetInterfaces, type ElectionInput } from '../../../plugins/layer2/owner-election';

// sha256("node-X#192.168.1.240"): node-a 0905ce28…, node-c a6530f9d…, node-b c5db6995…
// sha256("node-X#192.168.1.241"): node-c 792a46a5…, node-a ab24a5f9…, node-b fbd0fcce…
// sha256("node-X#fd00:1::f0"):    node-c 0a08a7a9…, node-b 34822f22…, node-a 52039235…
const src = { file: 't', path: 'x' };
const node = (name: string, labels: Record<string, string> = {}, networkUnavailable = false): NodeView => ({
  name,
  labels: { 'kubernetes.io/hostname': name, ...labels },
  networkUnavailable,
  addresses: [],
});
const ep = (nodeName: string, ready = true, serving = ready): EndpointView => ({ addresses: ['10.0.0.1'], nodeName, ready, serving, terminating: !ready });
const ad = (over: Partial<L2Advertisement> = {}): L2Advertisement => ({
  name: 'l2',
  pools: ['default'],
  nodeSelectors: [],
  interfaces: [],
  serviceSelectors: [],
  source: src,
  ...over,
});

function input(over: Partial<ElectionInput> = {}): ElectionInput {
  return {
    service: { labels: { app: 'nginx' }, externalTrafficPolicy: 'Cluster', ingressIPs: ['192.168.1.240'] },
    pool: 'default',
    nodes: [node('node-a'), node('node-b'), node('node-c')],
    endpoints: [ep('node-b')],
    l2Advertisements: [ad()],
    ...over,
  };
}

describe('electionOrder', () => {
  it('sorts by sha256(node#ip) ascending, bytewise', () => {
    expect(electionOrder(['node-a', 'node-b', 'node-c'], '192.168.1.240')).toEqual(['node-a', 'node-c', 'node-b']);
    expect(electionOrder(['node-b', 'node-a', 'node-c'], '192.168.1.241')).toEqual(['node-c', 'node-a', 'node-b']);
    expect(electionOrder(['node-a', 'node-b', 'node-c'], 'fd00:1::f0')).toEqual(['node-c', 'node-b', 'node-a']);
  });
  it('hashes exactly name + "#" + ip', () => {
    expect(createHash('sha256').update('node-a#192.168.1.240').digest('hex').slice(0, 8)).toBe('0905ce28');
  });
});

describe('electOwner', () => {
  it('all nodes are candidates when memberlist is off; the lowest hash wins', () => {
    expect(electOwner(input())).toMatchObject({ owner: 'node-a', candidates: ['node-a', 'node-c', 'node-b'] });
  });
  it('hashes the first ingress IP, canonicalised', () => {
    expect(electOwner(input({ service: { labels: {}, externalTrafficPolicy: 'Cluster', ingressIPs: ['fd00:1:0:0::f0', '192.168.1.240'] } })).owner).toBe('node-c');
    expect(electOwner(input({ service: { labels: {}, externalTrafficPolicy: 'Cluster', ingressIPs: ['192.168.1.241'] } })).owner).toBe('node-c');
  });
  it('with memberlist, only alive/suspect members are candidates', () => {
    expect(electOwner(input({ members: ['node-b', 'node-c'] }))).toMatchObject({ owner: 'node-c', candidates: ['node-c', 'node-b'] });
    expect(electOwner(input({ members: [] }))).toMatchObject({ reason: 'no eligible node' });
  });
  it('drops members without a Node object', () => {
    expect(electOwner(input({ members: ['node-z', 'node-b'] })).candidates).toEqual(['node-b']);
  });
  it('excludes NetworkUnavailable nodes', () => {
    expect(electOwner(input({ nodes: [node('node-a', {}, true), node('node-b'), node('node-c')] })).owner).toBe('node-c');
  });
  it('excludes nodes labelled exclude-from-external-load-balancers (any value)', () => {
    expect(electOwner(input({ nodes: [node('node-a', { [EXCLUDE_LB_LABEL]: '' }), node('node-b'), node('node-c')] })).owner).toBe('node-c');
  });
  it('excludes nodes no L2Advertisement selects', () => {
    const nodes = [node('node-a', { zone: 'x' }), node('node-b', { zone: 'y' }), node('node-c', { zone: 'y' })];
    const sel = { matchLabels: { zone: 'y' }, matchExpressions: [] };
    expect(electOwner(input({ nodes, l2Advertisements: [ad({ nodeSelectors: [sel] })] })).candidates).toEqual(['node-c', 'node-b']);
    // A second advertisement selecting node-a brings it back.
    const selA = { matchLabels: {}, matchExpressions: [{ key: 'zone', operator: 'In' as const, values: ['x'] }] };
    expect(electOwner(input({ nodes, l2Advertisements: [ad({ nodeSelectors: [sel] }), ad({ name: 'b', nodeSelectors: [selA] })] })).owner).toBe('node-a');
  });
  it('only advertisements for the pool and matching the service count', () => {
    expect(electOwner(input({ l2Advertisements: [ad({ pools: ['other'] })] }))).toMatchObject({ candidates: [] });
    const svcSel = { matchLabels: { app: 'other' }, matchExpressions: [] };
    expect(electOwner(input({ l2Advertisements: [ad({ serviceSelectors: [svcSel] })] })).owner).toBeUndefined();
  });
  it('externalTrafficPolicy Local: only nodes with a ready/serving endpoint', () => {
    const local = { labels: {}, externalTrafficPolicy: 'Local' as const, ingressIPs: ['192.168.1.240'] };
    expect(electOwner(input({ service: local, endpoints: [ep('node-b'), ep('node-c')] })).candidates).toEqual(['node-c', 'node-b']);
    // serving but not ready (terminating) still counts; neither ready nor serving does not.
    expect(electOwner(input({ service: local, endpoints: [ep('node-b', false, true), ep('node-c', false, false)] })).owner).toBe('node-b');
    expect(electOwner(input({ service: local, endpoints: [ep('node-b')], members: ['node-a', 'node-c'] }))).toMatchObject({
      reason: 'no eligible node with a local serving endpoint',
    });
  });
  it('externalTrafficPolicy Cluster: any node, as long as some endpoint serves', () => {
    expect(electOwner(input({ endpoints: [ep('node-b')] })).owner).toBe('node-a');
  });
  it('no serving endpoint anywhere → nobody announces', () => {
    expect(electOwner(input({ endpoints: [] }))).toMatchObject({ reason: 'no serving endpoint' });
    expect(electOwner(input({ endpoints: [ep('node-a', false, false)] })).owner).toBeUndefined();
  });
  it('no ingress IP → nobody announces', () => {
    expect(electOwner(input({ service: { labels: {}, externalTrafficPolicy: 'Cluster', ingressIPs: [] } })).owner).toBeUndefined();
  });
});

describe('interfacesFor', () => {
  it('is all interfaces unless every selecting advertisement names some', () => {
    const n = node('node-a');
    expect(interfacesFor(n, [ad()])).toEqual([]);
    expect(interfacesFor(n, [ad({ interfaces: ['eth1'] }), ad({ interfaces: ['eth0', 'eth1'] })])).toEqual(['eth0', 'eth1']);
    expect(interfacesFor(n, [ad({ interfaces: ['eth1'] }), ad()])).toEqual([]);
    const other = { matchLabels: { zone: 'q' }, matchExpressions: [] };
    expect(interfacesFor(n, [ad({ interfaces: ['eth1'] }), ad({ nodeSelectors: [other] })])).toEqual(['eth1']);
  });
});

describe('subnet-aware election', () => {
  // node-a on LAN 1 only; node-b and node-c also on LAN 2 (eth1).
  const lan = (name: string, cidrs: Array<[string, string]>): NodeView => ({ ...node(name), interfaces: cidrs.map(([i, c]) => ({ name: i, cidrs: [c] })) });
  const nodes = [
    lan('node-a', [['eth0', '192.168.1.10/24']]),
    lan('node-b', [['eth0', '192.168.1.11/24'], ['eth1', '192.168.2.11/24']]),
    lan('node-c', [['eth0', '192.168.1.12/24'], ['eth1', '192.168.2.12/24']]),
  ];
  const vip2 = { labels: { app: 'nginx' }, externalTrafficPolicy: 'Cluster' as const, ingressIPs: ['192.168.2.240'] };

  it('only nodes with an interface on the VIP subnet are candidates', () => {
    const r = electOwner(input({ nodes, service: vip2, subnetAware: true }));
    expect(r.candidates.sort()).toEqual(['node-b', 'node-c']);
    expect(r.reason).toContain('eligible on its subnet');
    expect(electOwner(input({ nodes, subnetAware: true })).candidates).toHaveLength(3);
  });

  it('off: MetalLB behaviour (every node); L2Advertisement interfaces win; no node on the subnet: all', () => {
    expect(electOwner(input({ nodes, service: vip2, subnetAware: false })).candidates).toHaveLength(3);
    expect(electOwner(input({ nodes, service: vip2, subnetAware: true, l2Advertisements: [ad({ interfaces: ['eth0'] })] })).candidates).toHaveLength(3);
    const off = { ...vip2, ingressIPs: ['10.99.0.1'] };
    expect(electOwner(input({ nodes, service: off, subnetAware: true })).candidates).toHaveLength(3);
  });

  it('nodes that have not reported interfaces stay candidates (a MetalLB speaker in a mixed cluster never reports)', () => {
    const mixed = [node('node-a'), nodes[1]!, nodes[2]!];
    expect(electOwner(input({ nodes: mixed, service: vip2, subnetAware: true })).candidates.sort()).toEqual(['node-a', 'node-b', 'node-c']);
    expect(subnetInterfaces(nodes[1], '192.168.2.240')).toEqual(['eth1']);
    expect(subnetInterfaces(node('node-a'), '192.168.2.240')).toEqual([]);
  });
});
