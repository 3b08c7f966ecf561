// doctor's checks on hand-built snapshots: each broken condition gives its verdict, evidence and fix; healthy is all green.
import { BUILTIN_PROTOCOLS } from '../../../src/core/config';
import { runDoctorChecks, formatDoctorTable } from '../../../src/diagnose/doctor';
import { STRICT_ARP_FIX } from '../../../src/diagnose/doctor-checks';
import { electionOrder } from '../../../plugins/layer2/owner-election';
import { configMap, healthySnapshot, l2Status, node, ok, service, speakerState } from './snapshot-fixture';

const owner = electionOrder(['node-a', 'node-b', 'node-c'], '192.168.1.240')[0];
const run = (snap = healthySnapshot()) => runDoctorChecks(snap, BUILTIN_PROTOCOLS);
const check = (snap: ReturnType<typeof healthySnapshot>, name: string) => {
  const c = run(snap).checks.find((x) => x.check === name);
  if (!c) throw new Error(`no check ${name}`);
  return c;
};

describe('doctor checks', () => {
  it('a healthy cluster is all ok or skipped', () => {
    const snap = healthySnapshot();
    snap.serviceStatuses.layer2 = ok([l2Status('nginx', owner!)]);
    const r = run(snap);
    expect(r.checks.filter((c) => c.verdict !== 'ok' && c.verdict !== 'skip')).toEqual([]);
    expect(r.verdict).toBe('ok');
    expect(formatDoctorTable(r)).toMatch(/^CHECK\s+VERDICT\s+EVIDENCE\n/);
  });

  it('kube-proxy in IPVS mode without strictARP fails with the sed | kubectl apply fix', () => {
    const snap = healthySnapshot();
    snap.kubeProxy = ok({ metadata: { name: 'kube-proxy' }, data: { 'config.conf': 'mode: ipvs\nipvs:\n  strictARP: false\n' } });
    const c = check(snap, 'kube-proxy');
    expect(c.verdict).toBe('fail');
    expect(c.evidence).toContain('strictARP: false');
    expect(c.fix).toBe(STRICT_ARP_FIX);
    expect(c.fix).toContain('kubectl get configmap kube-proxy -n kube-system -o yaml | sed -e "s/strictARP: false/strictARP: true/" | kubectl apply -f - -n kube-system');
    snap.kubeProxy = ok({ metadata: { name: 'kube-proxy' }, data: { 'config.conf': 'mode: ""\n' } });
    expect(check(snap, 'kube-proxy')).toMatchObject({ verdict: 'ok', evidence: expect.stringContaining('iptables') });
  });

  it('nodes: exclude label, NetworkUnavailable and no speaker are named; all unusable fails', () => {
    const snap = healthySnapshot();
    snap.nodes = ok([node('node-a', { 'node.kubernetes.io/exclude-from-external-load-balancers': '' }), node('node-b', {}, true), node('node-c'), node('node-d')]);
    const c = check(snap, 'nodes');
    expect(c.verdict).toBe('warn');
    expect(c.evidence).toContain('node.kubernetes.io/exclude-from-external-load-balancers: node-a');
    expect(c.evidence).toContain('NetworkUnavailable=True: node-b');
    expect(c.evidence).toContain('no speaker reported: node-d');
    expect(c.fix).toContain('kubectl label node node-a node.kubernetes.io/exclude-from-external-load-balancers-');
    snap.nodes = ok([node('node-a', { 'node.kubernetes.io/exclude-from-external-load-balancers': 'true' })]);
    expect(check(snap, 'nodes').verdict).toBe('fail');
  });

  it('speaker pods, when there are any, decide which nodes have a speaker', () => {
    const snap = healthySnapshot();
    snap.pods = ok([
      { metadata: { name: 'speaker-x', labels: { 'app.kubernetes.io/component': 'speaker' } }, spec: { nodeName: 'node-a', containers: [] }, status: { phase: 'Running' } },
      { metadata: { name: 'speaker-y', labels: { 'app.kubernetes.io/component': 'speaker' } }, spec: { nodeName: 'node-b', containers: [] }, status: { phase: 'Pending' } },
    ]);
    expect(check(snap, 'nodes').evidence).toContain('no running speaker pod: node-b, node-c');
  });

  it('memberlist Secret missing fails with the create command', () => {
    const snap = healthySnapshot();
    snap.memberlistSecret = ok({ present: false });
    const c = check(snap, 'memberlist-secret');
    expect(c.verdict).toBe('fail');
    expect(c.fix).toContain('kubectl create secret generic -n metallb-system memberlist --from-literal=secretkey=');
  });

  it('a speaker on another memberlist key than the Secret\'s fails', () => {
    const snap = healthySnapshot();
    const states = [speakerState('node-a'), speakerState('node-b')];
    for (const [i, st] of states.entries()) ((st.status?.plugins as { layer2: { details: Record<string, unknown> } }).layer2.details.memberlistKey = i === 0 ? 'abc123' : 'old999');
    snap.configurationStates = ok(states);
    const c = check(snap, 'memberlist-secret');
    expect(c).toMatchObject({ verdict: 'fail', evidence: expect.stringContaining('speaker(s) node-b do not use the key') });
    expect(c.fix).toContain('rollout restart');
  });

  it('memberlist partition is named by node pairs', () => {
    const snap = healthySnapshot();
    snap.configurationStates = ok([
      speakerState('node-a', { members: ['node-a', 'node-b'] }),
      speakerState('node-b', { members: ['node-a', 'node-b'] }),
      speakerState('node-c', { members: ['node-c'] }),
    ]);
    const c = check(snap, 'memberlist-reachability');
    expect(c.verdict).toBe('fail');
    expect(c.evidence).toContain('node-a does not see node-c');
    expect(c.evidence).toContain('node-c does not see node-a');
    expect(c.evidence).toContain('node-c does not see node-b');
    expect(c.fix).toContain('7946');
  });

  it('a layer2 pool on no node subnet warns; the announcing node off the subnet warns', () => {
    const snap = healthySnapshot();
    snap.configObjects = ok([{ object: configMap('10.99.0.0/28'), kind: 'ConfigMap', file: 'configmap/metallb-system/config' }]);
    const c = check(snap, 'layer2-subnets');
    expect(c).toMatchObject({ verdict: 'warn', evidence: expect.stringContaining('pool my-ip-space (10.99.0.0/28) is on no node\'s subnet') });
    const snap2 = healthySnapshot();
    snap2.configurationStates = ok([speakerState('node-a'), speakerState('node-b', { cidrs: ['10.0.0.2/24'] })]);
    snap2.serviceStatuses.layer2 = ok([l2Status('nginx', 'node-b')]);
    expect(check(snap2, 'layer2-subnets').evidence).toContain('default/nginx (pool my-ip-space) is announced by node-b, which has no interface on the pool\'s subnet');
  });

  it('BGP sessions not Established fail with node, peer and last error', () => {
    const snap = healthySnapshot();
    snap.configurationStates = ok([speakerState('node-a', { sessions: [{ peer: 'router', state: 'Active', lastError: 'connection refused' }, { peer: 'r2', state: 'Established' }] })]);
    const c = check(snap, 'bgp-sessions');
    expect(c.verdict).toBe('fail');
    expect(c.evidence).toBe('node-a→router: Active (connection refused)');
  });

  it('config errors per component and in the cluster config fail', () => {
    const snap = healthySnapshot();
    snap.configurationStates = ok([speakerState('node-a', { result: 'Invalid', lastError: 'bad pool' })]);
    expect(check(snap, 'config')).toMatchObject({ verdict: 'fail', evidence: expect.stringContaining('speaker-node-a: bad pool') });
    snap.configObjects = ok([{ object: configMap('192.168.1.300/28'), kind: 'ConfigMap', file: 'configmap/metallb-system/config' }]);
    expect(check(snap, 'config').evidence).toContain('configmap/metallb-system/config:address-pools[0].addresses[0]');
  });

  it('pools near exhaustion warn, exhausted fail', () => {
    const snap = healthySnapshot();
    snap.configObjects = ok([{ object: configMap('192.168.1.240-192.168.1.241'), kind: 'ConfigMap', file: 'configmap/metallb-system/config' }]);
    snap.services = ok([service('nginx', ['192.168.1.240'])]);
    expect(check(snap, 'pool-usage').verdict).toBe('ok');
    snap.services = ok([service('nginx', ['192.168.1.240']), service('web', ['192.168.1.241'])]);
    expect(check(snap, 'pool-usage')).toMatchObject({ verdict: 'fail', evidence: 'exhausted: my-ip-space 2/2' });
  });

  it('pending Services fail with plan\'s reason', () => {
    const snap = healthySnapshot();
    snap.services = ok([service('nginx', ['192.168.1.240']), service('wants', [], { annotations: { 'metallb.io/loadBalancerIPs': '10.1.1.1' } }), service('fresh', [])]);
    const c = check(snap, 'pending-services');
    expect(c.verdict).toBe('fail');
    expect(c.evidence).toMatch(/default\/wants: .*10\.1\.1\.1/);
    expect(c.evidence).toContain('default/fresh: would get 192.168.1.241 from my-ip-space: the controller has not assigned it');
  });
});
