// The built-in bgp plugin passes the testkit's conformance suite: with real sessions to a refusing loopback peer,
// and with recording sessions so idempotency is judged on the routes it advertises.
import { makeConfig, makeEndpoint, makePool, runConformance, formatConformanceReport, type ConformanceOptions } from '../../../src/plugin-testkit';
import bgpPlugin, { BgpAnnouncer, type SessionLike } from '../../../plugins/bgp';
import type { AnnouncerPlugin, BgpAdvertisement, Peer } from '../../../src/core/plugin-api';

const advertisement: BgpAdvertisement = {
  name: 'all', aggregationLength: 32, aggregationLengthV6: 128, communities: [], pools: ['office', 'lab'],
  nodeSelectors: [], peers: [], serviceSelectors: [], source: { path: 'BGPAdvertisement/all' },
};
// Port 1 on loopback refuses at once: a real session retries on a timer, which shutdown must stop.
const peer: Peer = {
  name: 'router', myASN: 64500, peerASN: 64501, peerAddress: '127.0.0.1', peerPort: 1, holdTime: 90, ebgpMultiHop: false,
  enableGracefulRestart: false, dualStackAddressFamily: false, nodeSelectors: [], source: { path: 'BGPPeer/router' },
};
const base: Omit<ConformanceOptions, 'plugin'> = {
  pools: [makePool('office', 'bgp'), makePool('lab', 'bgp', { addresses: ['198.51.100.0/28'] })],
  config: makeConfig({ bgpAdvertisements: [advertisement], peers: [peer] }),
  // bgp announces only Services with a ready endpoint.
  prepare: (fake) => {
    for (const i of [0, 1]) fake.cluster.setEndpoints(`conformance/svc-${i}`, [makeEndpoint('node-a')]);
  },
};

async function expectConforms(opts: ConformanceOptions): Promise<void> {
  const report = await runConformance(opts);
  if (!report.passed) throw new Error(formatConformanceReport(report));
  expect(report.trace).toContain('setBalancer(conformance/svc-0) again');
}

test('bgp with real sessions conforms; its ServiceBGPStatus objects follow setBalancer/deleteBalancer', async () => {
  // The session state flaps (Connect/Active/Idle) while the peer refuses, so only the status objects are compared.
  await expectConforms({ ...base, plugin: bgpPlugin, observe: (_announcer, fake) => Object.fromEntries(fake.statuses) });
});

test('bgp with recording sessions conforms, judged on the prefixes it advertises', async () => {
  const advertised = new Map<string, Set<string>>();
  const announcements: string[] = [];
  const recording: AnnouncerPlugin = {
    ...bgpPlugin,
    create: (ctx) =>
      new BgpAnnouncer(ctx, (o): SessionLike => {
        const routes = new Set<string>();
        advertised.set(`${o.peerAddress}:${o.peerPort}`, routes);
        return {
          state: 'Established', announcedCount: 0, start: () => undefined, stop: async () => undefined,
          announce: (prefix) => (routes.add(prefix), announcements.push(prefix), prefix),
          withdraw: (prefix) => routes.delete(prefix),
        };
      }),
  };
  await expectConforms({ ...base, plugin: recording, observe: () => Object.fromEntries([...advertised].map(([p, r]) => [p, [...r].sort()])) });
  // The observed state was not trivially empty: svc-0's address (192.0.2.1) was advertised as a /32, and withdrawn.
  expect(announcements).toContain('192.0.2.1/32');
  expect([...advertised.values()].every((r) => r.size === 0)).toBe(true);
});
