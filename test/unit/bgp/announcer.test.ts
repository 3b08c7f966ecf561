// BgpAnnouncer with fake sessions: peer selection, ETP decisions, aggregation, communities, incremental routes.
import { Registry } from 'prom-client';
import { BgpAnnouncer } from '../../../plugins/bgp/announcer';
import { silentLogger } from '../../../src/core/log';
import { FakeSession } from './fake-session';
import { bgpView, peerFixture } from './peer-fixture';
import type { BgpAdvertisement, EndpointView, NodeView, Peer, PluginConfigView, PluginContext, ServiceView } from '../../../src/core/plugin-api';

const sel = (labels: Record<string, string>) => ({ matchLabels: labels, matchExpressions: [] });
const peer = peerFixture;
const adv = (extra: Partial<BgpAdvertisement> = {}): BgpAdvertisement => ({
  name: 'a',
  aggregationLength: 32,
  aggregationLengthV6: 128,
  communities: [],
  pools: ['p'],
  nodeSelectors: [],
  peers: [],
  serviceSelectors: [],
  source: { path: 'a' },
  ...extra,
});
const svc = (name: string, ips: string[], etp: 'Local' | 'Cluster' = 'Cluster', labels: Record<string, string> = {}): ServiceView => ({
  namespace: 'default',
  name,
  type: 'LoadBalancer',
  annotations: {},
  labels,
  ipFamilies: ['IPv4'],
  externalTrafficPolicy: etp,
  selector: {},
  ports: [],
  ingressIPs: ips,
});

function setup(nodeLabels: Record<string, string> = { zone: 'a' }, endpoints: EndpointView[] = []) {
  const sessions: FakeSession[] = [];
  const statusCalls: string[] = [];
  let onChange: () => void = () => undefined;
  const node: NodeView = { name: 'n1', labels: nodeLabels, networkUnavailable: false, addresses: [] };
  const ctx: PluginContext = {
    nodeName: 'n1',
    logger: silentLogger(),
    metrics: new Registry(),
    cluster: { node: (n) => (n === 'n1' ? node : undefined), nodes: () => [node], endpoints: () => endpoints, onChange: (cb) => ((onChange = cb), () => undefined) },
    events: { normal: () => undefined, warning: () => undefined },
    signal: new AbortController().signal,
    requestResync: () => undefined,
    options: {},
    secret: () => 'from-ctx-secret-must-not-be-used',
    serviceStatus: {
      set: (k, st) => statusCalls.push(`set ${k.namespace}/${k.name} ${JSON.stringify(st)}`),
      delete: (k) => statusCalls.push(`delete ${k.namespace}/${k.name}`),
    },
  };
  const a = new BgpAnnouncer(ctx, (o) => {
    const s = new FakeSession(o);
    sessions.push(s);
    return s;
  });
  const view = (peers: Peer[], advs: BgpAdvertisement[]): PluginConfigView => bgpView(peers, { bgpAdvertisements: advs });
  return { a, sessions, view, node, statusCalls, fireChange: () => onChange() };
}

test('peers selected by node selectors become sessions with the peer settings', async () => {
  const { a, sessions, view } = setup();
  // The core resolved passwordSecret into password (src/core/config/peer-passwords.ts).
  await a.setConfig(view([peer('r1', { passwordSecret: { name: 'bgp-pass' }, password: 's3cret', enableGracefulRestart: true }), peer('r2', { nodeSelectors: [sel({ zone: 'b' })] })], [adv()]));
  expect(sessions.map((s) => s.opts.name)).toEqual(['r1']);
  expect(sessions[0]!.opts).toMatchObject({ myAsn: 64500, peerAsn: 64501, password: 's3cret', gracefulRestart: { restartTime: 120 } });
  expect(a.status().details).toEqual({ sessions: [{ peer: 'r1', address: '10.0.0.2', state: 'Established', announced: 0 }] });
});

test('status: a session that is not Established carries its last error (for doctor and status svc)', async () => {
  const { a, sessions, view } = setup();
  await a.setConfig(view([peer('r1')], [adv()]));
  sessions[0]!.state = 'Connect';
  sessions[0]!.lastError = 'transport: connect ECONNREFUSED 10.0.0.2:179';
  expect(a.status().details).toEqual({ sessions: [{ peer: 'r1', address: '10.0.0.2', state: 'Connect', announced: 0, lastError: 'transport: connect ECONNREFUSED 10.0.0.2:179' }] });
});

test('a peer with passwordSecret but no password read gets no session (never connects without MD5)', async () => {
  const { a, sessions, view } = setup();
  await a.setConfig(view([peer('r1', { passwordSecret: { name: 'bgp-pass' } }), peer('r3')], [adv()]));
  expect(sessions.map((s) => [s.opts.name, s.opts.password])).toEqual([['r3', undefined]]);
});

test('shouldAnnounce: ETP Local needs a local ready endpoint, Cluster any ready endpoint', async () => {
  const eps: EndpointView[] = [{ addresses: ['10.1.1.1'], nodeName: 'n2', ready: true, serving: true, terminating: false }];
  const { a, view } = setup({}, eps);
  await a.setConfig(view([peer('r1')], [adv()]));
  expect(a.shouldAnnounce(svc('s', ['1.1.1.1'], 'Cluster'), 'p')).toEqual({ announce: true, reason: 'hasReadyEndpoint' });
  expect(a.shouldAnnounce(svc('s', ['1.1.1.1'], 'Local'), 'p').announce).toBe(false);
  eps.push({ addresses: ['10.1.1.2'], nodeName: 'n1', ready: true, serving: true, terminating: false });
  expect(a.shouldAnnounce(svc('s', ['1.1.1.1'], 'Local'), 'p').announce).toBe(true);
  expect(a.shouldAnnounce(svc('s', ['1.1.1.1']), 'other-pool')).toEqual({ announce: false, reason: 'noMatchingAdvertisement' });
});

test('node excluded by label or without endpoints does not announce', async () => {
  const { a, view } = setup({ 'node.kubernetes.io/exclude-from-external-load-balancers': '' }, []);
  await a.setConfig(view([peer('r1')], [adv()]));
  expect(a.shouldAnnounce(svc('s', ['1.1.1.1']), 'p').reason).toBe('nodeLabeledExcluded');
});

test('aggregation, communities, localpref; shared aggregate withdrawn only when the last service goes', async () => {
  const { a, sessions, view } = setup();
  const advs = [
    adv({ aggregationLength: 24, communities: [{ kind: 'standard', value: 65000 * 65536 + 1 }], localPref: 150 }),
    adv({ name: 'b', communities: [{ kind: 'large', global: 1, local1: 2, local2: 3 }] }),
  ];
  await a.setConfig(view([peer('r1', { dualStackAddressFamily: true })], advs));
  const s = sessions[0]!;
  await a.setBalancer({ namespace: 'default', name: 'x' }, ['192.168.1.240'], 'p', svc('x', ['192.168.1.240']));
  await a.setBalancer({ namespace: 'default', name: 'y' }, ['192.168.1.241', '2001:db8::5'], 'p', svc('y', ['192.168.1.241']));
  expect([...s.routes.keys()].sort()).toEqual(['192.168.1.0/24', '192.168.1.240/32', '192.168.1.241/32', '2001:db8::5/128']);
  expect(s.routes.get('192.168.1.0/24')).toEqual({ localPref: 150, communities: [65000 * 65536 + 1] });
  expect(s.routes.get('192.168.1.240/32')).toEqual({ largeCommunities: [{ global: 1, local1: 2, local2: 3 }] });
  s.calls = [];
  await a.deleteBalancer({ namespace: 'default', name: 'x' });
  expect(s.calls.filter((c) => c.startsWith('-'))).toEqual(['-192.168.1.240/32']);
  expect(s.routes.has('192.168.1.0/24')).toBe(true);
  await a.deleteBalancer({ namespace: 'default', name: 'y' });
  expect(s.routes.size).toBe(0);
});

test('dualStackAddressFamily: a session carries its own family only, both with the flag (OPEN families and routes)', async () => {
  const { a, sessions, view, statusCalls } = setup();
  await a.setConfig(view([peer('v4'), peer('v6', { peerAddress: 'fd00::1' }), peer('dual', { dualStackAddressFamily: true })], [adv()]));
  expect(sessions.map((s) => [s.opts.name, s.opts.families])).toEqual([
    ['v4', [4]],
    ['v6', [6]],
    ['dual', [4, 6]],
  ]);
  await a.setBalancer({ namespace: 'default', name: 'y' }, ['192.168.1.241', '2001:db8::5'], 'p', svc('y', ['192.168.1.241', '2001:db8::5']));
  expect([...sessions[0]!.routes.keys()]).toEqual(['192.168.1.241/32']);
  expect([...sessions[1]!.routes.keys()]).toEqual(['2001:db8::5/128']);
  expect([...sessions[2]!.routes.keys()].sort()).toEqual(['192.168.1.241/32', '2001:db8::5/128']);
  expect(statusCalls).toEqual(['set default/y {"peers":["dual","v4","v6"]}']);
  // A v6-only Service is not advertised to the IPv4-only session at all (nor listed in its status).
  await a.setBalancer({ namespace: 'default', name: 'z' }, ['2001:db8::6'], 'p', svc('z', ['2001:db8::6']));
  expect(statusCalls.at(-1)).toBe('set default/z {"peers":["dual","v6"]}');
});

test('vrf: the session is bound to the device and a missing device is reported at the BGPPeer field', async () => {
  const { a, sessions, view } = setup();
  await a.setConfig(view([peer('r1', { vrf: 'red', source: { path: 'BGPPeer/r1' } }), peer('r22')], [adv()]));
  expect(sessions[0]!.opts).toMatchObject({ vrf: 'red', vrfSource: 'BGPPeer/r1.spec.vrf' });
  expect(sessions[1]!.opts.vrf).toBeUndefined();
  // Changing the VRF replaces the session.
  await a.setConfig(view([peer('r1', { vrf: 'blue', source: { path: 'BGPPeer/r1' } }), peer('r22')], [adv()]));
  expect(sessions[0]!.stopped).toBe(true);
  expect(sessions[2]!.opts.vrf).toBe('blue');
});

test('advertisement peers and service selectors narrow announcements', async () => {
  const { a, sessions, view } = setup();
  await a.setConfig(view([peer('r1'), peer('r22')], [adv({ peers: ['r22'], serviceSelectors: [sel({ app: 'web' })] })]));
  await a.setBalancer({ namespace: 'default', name: 'w' }, ['10.9.0.1'], 'p', svc('w', ['10.9.0.1'], 'Cluster', { app: 'web' }));
  await a.setBalancer({ namespace: 'default', name: 'o' }, ['10.9.0.2'], 'p', svc('o', ['10.9.0.2'], 'Cluster', { app: 'other' }));
  expect(sessions[0]!.routes.size).toBe(0);
  expect([...sessions[1]!.routes.keys()]).toEqual(['10.9.0.1/32']);
});

test('config change: a changed peer is replaced and gets the routes; a removed peer is stopped', async () => {
  const { a, sessions, view } = setup();
  await a.setConfig(view([peer('r1'), peer('r22')], [adv()]));
  await a.setBalancer({ namespace: 'default', name: 'w' }, ['10.9.0.1'], 'p', svc('w', ['10.9.0.1']));
  await a.setConfig(view([peer('r1', { holdTime: 30 })], [adv()]));
  expect(sessions[0]!.stopped && sessions[1]!.stopped).toBe(true);
  expect(sessions[2]!.opts.holdTime).toBe(30);
  expect([...sessions[2]!.routes.keys()]).toEqual(['10.9.0.1/32']);
  await a.shutdown();
  expect(sessions[2]!.stopped).toBe(true);
});

test('node label change re-selects peers', async () => {
  const { a, sessions, view, node, fireChange } = setup({ zone: 'a' });
  await a.setConfig(view([peer('r1', { nodeSelectors: [sel({ zone: 'b' })] })], [adv()]));
  expect(sessions).toHaveLength(0);
  node.labels = { zone: 'b' };
  fireChange();
  expect(sessions).toHaveLength(1);
});

test('ServiceBGPStatus: the peers a Service is advertised to, published on change only, deleted on withdraw', async () => {
  const { a, view, statusCalls } = setup();
  await a.setConfig(view([peer('r1'), peer('r22'), peer('r333', { nodeSelectors: [sel({ zone: 'other' })] })], [adv({ peers: ['r22', 'r1', 'r333'] })]));
  await a.setBalancer({ namespace: 'default', name: 'w' }, ['10.9.0.1'], 'p', svc('w', ['10.9.0.1']));
  // r333 does not select this node: not advertised to, not listed.
  expect(statusCalls).toEqual(['set default/w {"peers":["r1","r22"]}']);
  // Same peers again (re-sync, new IP): nothing new to write.
  await a.setBalancer({ namespace: 'default', name: 'w' }, ['10.9.0.1'], 'p', svc('w', ['10.9.0.1']));
  await a.setBalancer({ namespace: 'default', name: 'w' }, ['10.9.0.2'], 'p', svc('w', ['10.9.0.2']));
  expect(statusCalls).toHaveLength(1);
  // A peer leaves the configuration: the set changes.
  await a.setConfig(view([peer('r22')], [adv({ peers: ['r22', 'r1'] })]));
  expect(statusCalls.slice(1)).toEqual(['set default/w {"peers":["r22"]}']);
  // Withdrawn by the core: the status object goes.
  await a.deleteBalancer({ namespace: 'default', name: 'w' });
  expect(statusCalls.slice(2)).toEqual(['delete default/w']);
  await a.deleteBalancer({ namespace: 'default', name: 'w' });
  expect(statusCalls).toHaveLength(3);
});

test('ServiceBGPStatus: no peer for the Service → no object; losing every peer or shutting down deletes it', async () => {
  const { a, view, node, statusCalls, fireChange } = setup({ zone: 'a' });
  await a.setConfig(view([peer('r1', { nodeSelectors: [sel({ zone: 'a' })] })], [adv()]));
  await a.setBalancer({ namespace: 'default', name: 'x' }, ['10.9.0.3'], 'p', svc('x', ['10.9.0.3']));
  await a.setBalancer({ namespace: 'ns2', name: 'y' }, ['10.9.0.4'], 'other-pool', svc('y', ['10.9.0.4']));
  expect(statusCalls).toEqual(['set default/x {"peers":["r1"]}']);
  node.labels = { zone: 'b' };
  fireChange();
  expect(statusCalls.slice(1)).toEqual(['delete default/x']);
  node.labels = { zone: 'a' };
  fireChange();
  expect(statusCalls.slice(2)).toEqual(['set default/x {"peers":["r1"]}']);
  await a.shutdown();
  expect(statusCalls.slice(3)).toEqual(['delete default/x']);
});
