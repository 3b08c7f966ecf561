// status svc on hand-built snapshots: the announcing node per protocol, and why each other node does not announce.
import { BUILTIN_PROTOCOLS } from '../../../src/core/config';
import { clusterFacts } from '../../../src/diagnose/cluster-facts';
import { formatServiceStatus, serviceStatus } from '../../../src/diagnose/service-status';
import { electionOrder } from '../../../plugins/layer2/owner-election';
import { configMap, endpointSlice, healthySnapshot, l2Status, node, ok, service, speakerState } from './snapshot-fixture';

const order = electionOrder(['node-a', 'node-b', 'node-c'], '192.168.1.240');
const status = (snap = healthySnapshot()) => serviceStatus(snap, clusterFacts(snap, BUILTIN_PROTOCOLS));

describe('status svc', () => {
  it('names the announcing node with its interfaces and explains the standbys', () => {
    const snap = healthySnapshot();
    snap.serviceStatuses.layer2 = ok([l2Status('nginx', order[0]!)]);
    const r = status(snap);
    expect(r).toMatchObject({ service: 'default/nginx', pool: 'my-ip-space', ips: ['192.168.1.240'], problems: [] });
    const l2 = r.protocols.layer2!;
    expect(l2[0]).toMatchObject({ node: order[0], announcing: true, interfaces: ['eth0'] });
    expect(l2.find((v) => v.node === order[1])?.reason).toBe(`standby: ${order[0]} wins the election for 192.168.1.240 (this node is candidate 2 of 3)`);
    const text = formatServiceStatus(r);
    expect(text).toContain(`layer2: announced by ${order[0]}`);
    expect(text).toMatch(new RegExp(`${order[0]}\\s+yes\\s+announcing \\(ServiceL2Status\\) on eth0`));
  });

  it('explains excluded, NetworkUnavailable, speakerless, memberlist-missing and ETP Local nodes', () => {
    const snap = healthySnapshot();
    snap.nodes = ok([node('node-a', { 'node.kubernetes.io/exclude-from-external-load-balancers': '' }), node('node-b', {}, true), node('node-c'), node('node-d'), node('node-e')]);
    snap.services = ok([service('nginx', ['192.168.1.240'], { etp: 'Local' })]);
    snap.endpointSlices = ok([endpointSlice('nginx', ['node-c'])]);
    snap.configurationStates = ok([speakerState('node-a'), speakerState('node-b'), speakerState('node-c', { members: ['node-a', 'node-b', 'node-c', 'node-e'] }), speakerState('node-d'), speakerState('node-e')]);
    snap.serviceStatuses.layer2 = ok([l2Status('nginx', 'node-c')]);
    const why = Object.fromEntries(status(snap).protocols.layer2!.map((v) => [v.node, v.reason]));
    expect(why['node-a']).toBe('excluded by label node.kubernetes.io/exclude-from-external-load-balancers');
    expect(why['node-b']).toBe('node condition NetworkUnavailable=True');
    expect(why['node-c']).toContain('announcing');
    expect(why['node-d']).toContain('externalTrafficPolicy Local');
    expect(why['node-e']).toContain('externalTrafficPolicy Local');
    snap.services = ok([service('nginx', ['192.168.1.240'])]);
    const why2 = Object.fromEntries(status(snap).protocols.layer2!.map((v) => [v.node, v.reason]));
    expect(why2['node-d']).toContain('not in the memberlist');
  });

  it('BGP: peers carrying the Service per node; a node whose session is down says so', () => {
    const snap = healthySnapshot();
    const extra = 'peers:\n- peer-address: 192.168.1.1\n  peer-asn: 64501\n  my-asn: 64500\naddress-pools:\n- name: bgp-pool\n  protocol: bgp\n  addresses:\n  - 10.20.0.0/24\n';
    const cm = configMap();
    cm.data = { config: extra };
    snap.configObjects = ok([{ object: cm, kind: 'ConfigMap', file: 'configmap/metallb-system/config' }]);
    snap.services = ok([service('web', ['10.20.0.1'], { annotations: { 'metallb.io/ip-allocated-from-pool': 'bgp-pool' } })]);
    snap.endpointSlices = ok([endpointSlice('web', ['node-a'])]);
    snap.configurationStates = ok([speakerState('node-a'), speakerState('node-b', { sessions: [{ peer: 'peer0', state: 'Active', lastError: 'connection refused' }] }), speakerState('node-c')]);
    snap.serviceStatuses.bgp = ok([{ metadata: { name: 'b1' }, status: { node: 'node-a', serviceName: 'web', serviceNamespace: 'default', peers: ['peer0'] } }]);
    const r = status(snap);
    expect(r.pool).toBe('bgp-pool');
    const bgp = Object.fromEntries(r.protocols.bgp!.map((v) => [v.node, v]));
    expect(bgp['node-a']).toMatchObject({ announcing: true, peers: ['peer0'] });
    expect(bgp['node-b']!.reason).toContain('no BGP session established (peer0: Active, connection refused)');
    expect(formatServiceStatus(r)).toContain('BGP peers carrying it: node-a → peer0');
  });

  it('subnet-aware: a node without an interface on the VIP subnet says so', () => {
    const snap = healthySnapshot();
    snap.configurationStates = ok([speakerState('node-a', { cidrs: ['10.0.0.1/24'] }), speakerState('node-b'), speakerState('node-c', { cidrs: ['192.168.1.12/24'] })]);
    const why = Object.fromEntries(status(snap).protocols.layer2!.map((v) => [v.node, v.reason]));
    expect(why['node-a']).toBe('no interface on the subnet of 192.168.1.240 (subnet-aware layer 2: ' + electionOrder(['node-b', 'node-c'], '192.168.1.240').join(', ') + ' are)');
  });

  it('a Service with no IP, or no announcer, lists problems', () => {
    const snap = healthySnapshot();
    snap.services = ok([service('nginx', [])]);
    expect(status(snap).problems[0]).toContain('no IP allocated');
    const snap2 = healthySnapshot();
    expect(status(snap2).problems).toContain('layer2: no node announces this Service');
  });
});
