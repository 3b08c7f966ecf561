// The one internal configuration model: the legacy ConfigMap and the metallb.io CRDs both parse into it.
import type { IpFamily } from '../net/ip';

/** Where a value came from, for located errors: `FILE:PATH: message`. */
export interface SourceLocation {
  /** The file, when known (`metallbts validate FILE`). */
  file?: string;
  /** e.g. `address-pools[1].addresses[0]` or `IPAddressPool/default.spec.addresses[0]` */
  path: string;
}

/** A configuration problem, located: `FILE:PATH: message` (what `validate` returns and `metallbts validate` prints). */
export interface ConfigIssue {
  /** `error` rejects the configuration; `warning` is reported and the configuration is kept. */
  severity: 'error' | 'warning';
  /** The file the value came from; when a plugin leaves it out, the pool's file is used. */
  file?: string;
  /** Where in the file, e.g. `IPAddressPool/a.spec.addresses[0]`; empty = the pool itself (`pool.source.path`). */
  path: string;
  /** What is wrong, for a person. */
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.file ? `${issue.file}:${issue.path}` : issue.path;
  const prefix = issue.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${prefix}${issue.message}`;
}

/** One `matchExpressions` entry of a Kubernetes label selector. */
export interface LabelSelectorRequirement {
  /** The label key. */
  key: string;
  /** How `values` are matched against the label. */
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  /** Values for `In` and `NotIn` (empty for `Exists` and `DoesNotExist`). */
  values: string[];
}

/** A Kubernetes label selector; an empty one matches everything. */
export interface LabelSelector {
  /** Labels that must all be equal. */
  matchLabels: Record<string, string>;
  /** Requirements that must all hold. */
  matchExpressions: LabelSelectorRequirement[];
}

/** An inclusive address range [first, last] of one family. */
export interface IpRange {
  /** 4 or 6. */
  family: IpFamily;
  /** First address, as an integer. */
  first: bigint;
  /** Last address (inclusive), as an integer. */
  last: bigint;
  /** The text as written (`192.168.1.240/28` or `192.168.1.240-192.168.1.250`). */
  text: string;
  /** Prefix length when written as a CIDR. */
  prefixLength?: number;
}

/** A pool's `serviceAllocation`: which namespaces and Services may take its addresses, and its priority. */
export interface ServiceAllocation {
  /** Lower number = higher priority; 0 = no priority (last). */
  priority: number;
  /** Namespaces whose Services may use the pool (empty = any). */
  namespaces: string[];
  /** Namespace label selectors (empty = any). */
  namespaceSelectors: LabelSelector[];
  /** Service label selectors (empty = any). */
  serviceSelectors: LabelSelector[];
}

/** An address pool (IPAddressPool, or a legacy `address-pools` entry). */
export interface Pool {
  /** The pool name (`metallb.io/address-pool` annotation value). */
  name: string;
  /** The addresses, as written (CIDRs and ranges). */
  ranges: IpRange[];
  /** Whether Services get addresses from it without asking for the pool. */
  autoAssign: boolean;
  /** Skip `.0` and `.255` addresses. */
  avoidBuggyIPs: boolean;
  /** Who may use the pool, and its priority. */
  serviceAllocation?: ServiceAllocation;
  /** The pool object's labels (advertisement `ipAddressPoolSelectors` match them). */
  labels: Record<string, string>;
  /** Canonical protocols announcing this pool (`layer2`, `bgp`, third-party names), derived from pool `protocol:` or advertisements. */
  protocols: string[];
  /** Where the pool was declared, for located issues. */
  source: SourceLocation;
}

/** A BGP community: standard (`asn:value`, as `(asn << 16) | value`) or large (`large:global:local1:local2`). */
export type Community =
  | { kind: 'standard'; value: number } // (asn << 16) | value
  | { kind: 'large'; global: number; local1: number; local2: number };

/** A BGPAdvertisement (or a legacy `bgp-advertisements` entry), resolved to pool names. */
export interface BgpAdvertisement {
  /** Its name. */
  name: string;
  /** IPv4 prefix length advertised (32 = the address itself). */
  aggregationLength: number;
  /** IPv6 prefix length advertised (128 = the address itself). */
  aggregationLengthV6: number;
  /** LOCAL_PREF attribute for iBGP peers. */
  localPref?: number;
  /** Communities attached to the routes (aliases resolved). */
  communities: Community[];
  /** Names of the pools this advertisement applies to (selectors already resolved). */
  pools: string[];
  /** Nodes that announce (empty = all). */
  nodeSelectors: LabelSelector[];
  /** Peer names; empty = all peers. */
  peers: string[];
  /** Services announced (empty = all). */
  serviceSelectors: LabelSelector[];
  /** Where it was declared. */
  source: SourceLocation;
}

/** An L2Advertisement, resolved to pool names. */
export interface L2Advertisement {
  /** Its name. */
  name: string;
  /** Names of the pools it applies to (selectors already resolved). */
  pools: string[];
  /** Nodes that may announce (empty = all). */
  nodeSelectors: LabelSelector[];
  /** Interface names; empty = every eligible interface. */
  interfaces: string[];
  /** Annotation `metallb.io/subnet-aware: "false"`: this advertisement opts out of subnet-aware layer 2. */
  subnetAware?: boolean;
  /** Services announced (empty = all). */
  serviceSelectors: LabelSelector[];
  /** Where it was declared. */
  source: SourceLocation;
}

/** A BGP peer (BGPPeer, or a legacy `peers` entry); durations in seconds. */
export interface Peer {
  /** Its name (advertisements select peers by it). */
  name: string;
  /** Local AS number. */
  myASN: number;
  /** The peer's AS number. */
  peerASN: number;
  /** The peer's address. */
  peerAddress: string;
  /** TCP port (179 unless set). */
  peerPort: number;
  /** Local address to connect from. */
  sourceAddress?: string;
  /** Seconds. */
  holdTime: number;
  /** Seconds between KEEPALIVEs (default a third of the hold time). */
  keepaliveTime?: number;
  /** Seconds between connection attempts. */
  connectTime?: number;
  /** BGP router ID (default the node address). */
  routerID?: string;
  /** TCP-MD5 key, inline. */
  password?: string;
  /** TCP-MD5 key from a Secret (`password` key). */
  passwordSecret?: { name: string; namespace?: string };
  /** Name of the BFD profile to run with this peer. */
  bfdProfile?: string;
  /** Whether the eBGP peer may be more than one hop away. */
  ebgpMultiHop: boolean;
  /** Advertise graceful restart (RFC 4724). */
  enableGracefulRestart: boolean;
  /** VRF to peer from. */
  vrf?: string;
  /** Carry IPv4 and IPv6 routes over one session. */
  dualStackAddressFamily: boolean;
  /** Nodes that peer (empty = all). */
  nodeSelectors: LabelSelector[];
  /** Where it was declared. */
  source: SourceLocation;
}

/** A BFDProfile; intervals in milliseconds, as MetalLB. */
export interface BfdProfile {
  /** Its name (peers name it in `bfdProfile`). */
  name: string;
  /** Minimum receive interval, ms. */
  receiveInterval?: number;
  /** Minimum transmit interval, ms. */
  transmitInterval?: number;
  /** Missed packets before the session is down. */
  detectMultiplier?: number;
  /** Echo interval, ms. */
  echoInterval?: number;
  /** Whether echo packets are sent. */
  echoMode?: boolean;
  /** Wait for the peer to start the session. */
  passiveMode?: boolean;
  /** Lowest TTL accepted (multi-hop). */
  minimumTtl?: number;
  /** Where it was declared. */
  source: SourceLocation;
}

/**
 * Advertisement for a third-party protocol: a `metallbts.io/v1alpha1` PluginAdvertisement, or a legacy pool's
 * `protocol:` field. The fields after `pools` are optional for compatibility; the core always fills them.
 */
export interface PluginAdvertisement {
  /** Canonical protocol (an alias written in `spec.protocol` is resolved). */
  protocol: string;
  /** Names of the pools this advertisement applies to (selectors already resolved). */
  pools: string[];
  /** The PluginAdvertisement's metadata.name; absent for a legacy ConfigMap pool. */
  name?: string;
  /** Nodes that may announce; empty = every node. The core asks `shouldAnnounce` only on matching nodes. */
  nodeSelectors?: LabelSelector[];
  /** Services this advertisement applies to; empty = every Service. */
  serviceSelectors?: LabelSelector[];
  /** `spec.options` as written: free-form, checked by the plugin's own `validate`; `{}` when absent. */
  options?: Record<string, unknown>;
  /** Located as `PluginAdvertisement/NAME` (options at `PluginAdvertisement/NAME.spec.options.KEY`) or `address-pools[i]`. */
  source: SourceLocation;
}

/** The whole accepted configuration, whichever format it came from (legacy ConfigMap or metallb.io CRDs). */
export interface Config {
  /** Pools in declaration order (the allocation order among equal priorities). */
  pools: Pool[];
  /** BGP peers. */
  peers: Peer[];
  /** BGP advertisements. */
  bgpAdvertisements: BgpAdvertisement[];
  /** Layer 2 advertisements. */
  l2Advertisements: L2Advertisement[];
  /** Advertisements of third-party protocols. */
  pluginAdvertisements: PluginAdvertisement[];
  /** Community alias → value text (`65000:100` or `large:1:2:3`). */
  communityAliases: Record<string, string>;
  /** BFD profiles. */
  bfdProfiles: BfdProfile[];
}

/** Read-only view of one pool, handed to a plugin's `validate`. */
export interface PoolConfigView {
  /** The pool to check. */
  pool: Pool;
  /** The whole configuration, for cross-checks (peers, advertisements). */
  config: Readonly<Config>;
  /**
   * This plugin's advertisements that select the pool (PluginAdvertisement objects, or the legacy pool's
   * `protocol:`), to check their `options`; locate a problem at `${ad.source.path}.spec.options.KEY` in `ad.source.file`.
   * Optional so views built by older tools stay valid.
   */
  pluginAdvertisements?: PluginAdvertisement[];
}

/** A `Config` with every list empty: the start of one built by hand or by a loader. */
export function emptyConfig(): Config {
  return {
    pools: [],
    peers: [],
    bgpAdvertisements: [],
    l2Advertisements: [],
    pluginAdvertisements: [],
    communityAliases: {},
    bfdProfiles: [],
  };
}
