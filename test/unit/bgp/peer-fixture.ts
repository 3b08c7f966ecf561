// A BGP Peer as the config layer hands it to the plugin, with MetalLB's defaults; tests override what they need.
import type { Peer } from '../../../src/core/plugin-api';

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
