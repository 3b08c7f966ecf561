// BGP Peers and config views as the core hands them to the bgp plugin, with MetalLB's defaults; tests override what they need.
import type { Peer, PluginConfigView } from '../../../src/core/plugin-api';

/** Peer `name` (AS 64500 → 64501, hold 90 s) at 10.0.0.<length of name>, unless `extra` says otherwise. */
export const peerFixture = (name: string, extra: Partial<Peer> = {}): Peer => ({
  name,
  myASN: 64500,
  peerASN: 64501,
  peerAddress: `10.0.0.${name.length}`,
  peerPort: 179,
  holdTime: 90,
  ebgpMultiHop: false,
  enableGracefulRestart: false,
  dualStackAddressFamily: false,
  nodeSelectors: [],
  source: { path: name },
  ...extra,
});

/** What the bgp plugin's `setConfig` gets: these peers, no pools, and whatever `parts` adds (advertisements, BFD profiles). */
export const bgpView = (peers: Peer[], parts: Partial<PluginConfigView> = {}): PluginConfigView => ({
  protocol: 'bgp',
  pools: [],
  peers,
  bgpAdvertisements: [],
  l2Advertisements: [],
  pluginAdvertisements: [],
  communityAliases: {},
  ...parts,
});
