// bgpPlugin.create() with real BgpSessions against a scripted peer on 127.0.0.1: config → session → UPDATEs.
import { bgpPlugin } from '../../../plugins/bgp';
import type { BgpMessage } from '../../../plugins/bgp/codec';
import type { EndpointView, PluginConfigView, ServiceView } from '../../../src/core/plugin-api';
import { fakePluginContext } from '../../support/fake-plugin-context';
import { FakePeer } from '../../unit/bgp/fake-peer';

const nlriOf = (m: BgpMessage) => (m.type === 'update' ? [...m.result.update.nlri, ...(m.result.update.attributes.mpReach?.nlri ?? [])] : []);
const withdrawnOf = (m: BgpMessage) => (m.type === 'update' ? [...m.result.update.withdrawn, ...(m.result.update.attributes.mpUnreach?.withdrawn ?? [])] : []);

test('announcer drives a real session: aggregated prefix with localpref on iBGP, withdraw, Cease on shutdown', async () => {
  const peer = new FakePeer({ asn: 64500, hold: 9 });
  const port = await peer.listen();
  const conn = peer.nextConnection();
  const eps: EndpointView[] = [{ addresses: ['10.244.0.5'], nodeName: 'n1', ready: true, serving: true, terminating: false }];
  const ctx = fakePluginContext(eps);
  const metrics = ctx.metrics;
  const a = bgpPlugin.create(ctx);
  const view: PluginConfigView = {
    protocol: 'bgp',
    pools: [],
    peers: [
      {
        name: 'router',
        myASN: 64500,
        peerASN: 64500,
        peerAddress: '127.0.0.1',
        peerPort: port,
        routerID: '10.0.0.1',
        holdTime: 9,
        ebgpMultiHop: false,
        enableGracefulRestart: true,
        dualStackAddressFamily: false,
        nodeSelectors: [],
        source: { path: 'peers[0]' },
      },
    ],
    bgpAdvertisements: [
      { name: 'agg', aggregationLength: 28, aggregationLengthV6: 128, localPref: 120, communities: [{ kind: 'standard', value: 64500 * 65536 + 1 }], pools: ['default'], nodeSelectors: [], peers: [], serviceSelectors: [], source: { path: 'a' } },
    ],
    l2Advertisements: [],
    pluginAdvertisements: [],
    communityAliases: {},
  };
  const svc: ServiceView = { namespace: 'default', name: 'nginx', type: 'LoadBalancer', annotations: {}, labels: {}, ipFamilies: ['IPv4'], externalTrafficPolicy: 'Local', selector: {}, ports: [], ingressIPs: ['192.168.1.241'] };
  try {
    await a.setConfig(view);
    const c = await conn;
    const open = await c.waitFor((m) => m.type === 'open');
    expect(open.type === 'open' && open.open.capabilities.some((x) => x.code === 64)).toBe(true);
    expect(a.shouldAnnounce(svc, 'default')).toEqual({ announce: true, reason: 'hasReadyEndpoint' });
    await a.setBalancer(svc, svc.ingressIPs, 'default', svc);
    const u = await c.waitFor((m) => nlriOf(m).includes('192.168.1.240/28'));
    expect(u.type === 'update' && u.result.update.attributes).toMatchObject({ localPref: 120, communities: [64500 * 65536 + 1], asPath: [] });
    expect(a.status().details).toMatchObject({ sessions: [{ peer: 'router', state: 'Established', announced: 1 }] });
    expect(await metrics.metrics()).toMatch(/metallb_bgp_announced_prefixes_total\{peer="router"\} 1/);
    await a.deleteBalancer(svc);
    await c.waitFor((m) => withdrawnOf(m).includes('192.168.1.240/28'));
    await a.shutdown();
    await c.waitFor((m) => m.type === 'notification' && m.notification.code === 6 && m.notification.subcode === 2);
  } finally {
    await a.shutdown();
    await peer.close();
  }
});
