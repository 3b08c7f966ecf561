// The one internal configuration model: the legacy ConfigMap and the metallb.io CRDs both parse into it.
import type { IpFamily } from '../net/ip';

/** Where a value came from, for located errors: `FILE:PATH: message`. */
export interface SourceLocation {
  file?: string;
  /** e.g. `address-pools[1].addresses[0]` or `IPAddressPool/default.spec.addresses[0]` */
  path: string;
}

export interface ConfigIssue {
  severity: 'error' | 'warning';
  file?: string;
  path: string;
  message: string;
}

export function formatIssue(issue: ConfigIssue): string {
  const where = issue.file ? `${issue.file}:${issue.path}` : issue.path;
  const prefix = issue.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${prefix}${issue.message}`;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values: string[];
}

/** A Kubernetes label selector; an empty one matches everything. */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelSelectorRequirement[];
}

/** An inclusive address range [first, last] of one family. */
export interface IpRange {
  family: IpFamily;
  first: bigint;
  last: bigint;
  /** The text as written (`192.168.1.240/28` or `192.168.1.240-192.168.1.250`). */
  text: string;
  /** Prefix length when written as a CIDR. */
  prefixLength?: number;
}

export interface ServiceAllocation {
  /** Lower number = higher priority; 0 = no priority (last). */
  priority: number;
  namespaces: string[];
  namespaceSelectors: LabelSelector[];
  serviceSelectors: LabelSelector[];
}

export interface Pool {
  name: string;
  ranges: IpRange[];
  autoAssign: boolean;
  avoidBuggyIPs: boolean;
  serviceAllocation?: ServiceAllocation;
  labels: Record<string, string>;
  /** Canonical protocols announcing this pool (`layer2`, `bgp`, third-party names), derived from pool `protocol:` or advertisements. */
  protocols: string[];
  source: SourceLocation;
}

export type Community =
  | { kind: 'standard'; value: number } // (asn << 16) | value
  | { kind: 'large'; global: number; local1: number; local2: number };

export interface BgpAdvertisement {
  name: string;
  aggregationLength: number;
  aggregationLengthV6: number;
  localPref?: number;
  communities: Community[];
  /** Names of the pools this advertisement applies to (selectors already resolved). */
  pools: string[];
  nodeSelectors: LabelSelector[];
  /** Peer names; empty = all peers. */
  peers: string[];
  serviceSelectors: LabelSelector[];
  source: SourceLocation;
}

export interface L2Advertisement {
  name: string;
  pools: string[];
  nodeSelectors: LabelSelector[];
  /** Interface names; empty = every eligible interface. */
  interfaces: string[];
  /** Annotation `metallb.io/subnet-aware: "false"`: this advertisement opts out of subnet-aware layer 2. */
  subnetAware?: boolean;
  serviceSelectors: LabelSelector[];
  source: SourceLocation;
}

export interface Peer {
  name: string;
  myASN: number;
  peerASN: number;
  peerAddress: string;
  peerPort: number;
  sourceAddress?: string;
  /** Seconds. */
  holdTime: number;
  keepaliveTime?: number;
  connectTime?: number;
  routerID?: string;
  password?: string;
  passwordSecret?: { name: string; namespace?: string };
  bfdProfile?: string;
  ebgpMultiHop: boolean;
  enableGracefulRestart: boolean;
  vrf?: string;
  dualStackAddressFamily: boolean;
  nodeSelectors: LabelSelector[];
  source: SourceLocation;
}

export interface BfdProfile {
  name: string;
  receiveInterval?: number;
  transmitInterval?: number;
  detectMultiplier?: number;
  echoInterval?: number;
  echoMode?: boolean;
  passiveMode?: boolean;
  minimumTtl?: number;
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

export interface Config {
  /** Pools in declaration order (the allocation order among equal priorities). */
  pools: Pool[];
  peers: Peer[];
  bgpAdvertisements: BgpAdvertisement[];
  l2Advertisements: L2Advertisement[];
  pluginAdvertisements: PluginAdvertisement[];
  /** Community alias → value text (`65000:100` or `large:1:2:3`). */
  communityAliases: Record<string, string>;
  bfdProfiles: BfdProfile[];
}

/** Read-only view of one pool, handed to a plugin's `validate`. */
export interface PoolConfigView {
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
