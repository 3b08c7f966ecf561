// The parsed-but-unresolved configuration: what each source declared, before pool selection and community aliases are resolved.
import type { IpRange, BfdProfile, BgpAdvertisement, L2Advertisement, LabelSelector, Peer, PluginAdvertisement, Pool, SourceLocation } from './model';

/** How an advertisement picks its pools. */
export interface PoolSelection {
  /** Explicit names with the path each was written at. */
  names: Array<{ name: string; path: string }>;
  selectors: LabelSelector[];
  /** Path of the selectors list, for "matches no pool" warnings. */
  selectorsPath?: string;
}

export interface DraftBgpAdvertisement extends Omit<BgpAdvertisement, 'communities' | 'pools' | 'peers'> {
  communityRefs: Array<{ text: string; path: string }>;
  peerRefs: Array<{ name: string; path: string }>;
  poolSelection: PoolSelection;
  /** Paths of individual fields, for located cross-object checks. */
  paths: { aggregationLength: string; aggregationLengthV6: string; localPref: string };
  /** Set when written inside a legacy pool (MetalLB's legacy form has no names). */
  legacy: boolean;
}

export interface DraftL2Advertisement extends Omit<L2Advertisement, 'pools'> {
  poolSelection: PoolSelection;
  legacy: boolean;
}

export interface DraftPluginAdvertisement extends Omit<PluginAdvertisement, 'pools' | 'name'> {
  /** metadata.name, or the pool's path for a legacy pool (for duplicate checks). */
  name: string;
  /** The protocol as written (a legacy pool's is already canonical). */
  protocol: string;
  /** Where the protocol name was written. */
  protocolPath: string;
  poolSelection: PoolSelection;
  legacy: boolean;
}

export interface DraftPeer extends Peer {
  /** Path of `bfd-profile`/`bfdProfile`, when set. */
  bfdProfilePath?: string;
}

export interface DraftCommunity {
  name: string;
  value: string;
  source: SourceLocation;
}

export interface ConfigDraft {
  pools: Pool[];
  peers: DraftPeer[];
  bgpAdvertisements: DraftBgpAdvertisement[];
  l2Advertisements: DraftL2Advertisement[];
  pluginAdvertisements: DraftPluginAdvertisement[];
  communities: DraftCommunity[];
  bfdProfiles: BfdProfile[];
  /** Pools whose protocol was written as a legacy `protocol:` field (they get no protocols from CRD advertisements' absence). */
  legacyPools: Set<string>;
  /** Where each pool range was written. */
  rangePaths: WeakMap<IpRange, string>;
}

export function emptyDraft(): ConfigDraft {
  return {
    pools: [],
    peers: [],
    bgpAdvertisements: [],
    l2Advertisements: [],
    pluginAdvertisements: [],
    communities: [],
    bfdProfiles: [],
    legacyPools: new Set(),
    rangePaths: new WeakMap(),
  };
}
