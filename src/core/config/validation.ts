// Cross-object rules MetalLB enforces (overlaps, duplicate names, aggregation, localPref) plus helpful warnings.
import type { BgpAdvertisement, Config, IpRange, Pool, SourceLocation } from './model';
import type { ConfigDraft } from './draft';
import { IssueSink, quote } from './issues';
import { rangesOverlap, widestPrefixLength } from './address-ranges';
import { formatIp, parseIp } from '../net/ip';

/** Rules that need only the draft: duplicate names and address overlaps. */
export function validateDraft(draft: ConfigDraft, sink: IssueSink): void {
  checkDuplicatePools(draft, sink);
  checkDuplicates('BGP peer', draft.peers, sink);
  checkDuplicatePeerAddresses(draft, sink);
  checkDuplicates('BGP advertisement', draft.bgpAdvertisements.filter((a) => !a.legacy), sink);
  checkDuplicates('L2 advertisement', draft.l2Advertisements.filter((a) => !a.legacy), sink);
  checkDuplicates('plugin advertisement', draft.pluginAdvertisements.filter((a) => !a.legacy), sink);
  checkDuplicates('BFD profile', draft.bfdProfiles, sink);
  checkOverlaps(draft.pools, draft.rangePaths, sink);
}

/** Rules on the resolved config. */
export function validateConfig(config: Config, sink: IssueSink, draft: ConfigDraft): void {
  const pools = new Map(config.pools.map((p) => [p.name, p]));
  const key = (s: SourceLocation): string => `${s.file ?? ''}\u0000${s.path}`;
  const paths = new Map(draft.bgpAdvertisements.map((a) => [key(a.source), a.paths]));
  for (const ad of config.bgpAdvertisements) {
    const adPaths = paths.get(key(ad.source));
    checkAggregation(ad, pools, sink, adPaths?.aggregationLength ?? ad.source.path, adPaths?.aggregationLengthV6 ?? ad.source.path);
    checkLocalPrefOnEbgp(ad, config, sink, adPaths?.localPref ?? ad.source.path);
  }
  checkLocalPrefConflicts(config, pools, sink, (ad) => paths.get(key(ad.source))?.localPref ?? ad.source.path);
  for (const pool of config.pools) {
    if (pool.protocols.length === 0 && !draft.legacyPools.has(pool.name)) {
      sink.at(pool.source.file, 'warning', pool.source.path, `pool ${quote(pool.name)} is not announced: no L2Advertisement, BGPAdvertisement or PluginAdvertisement selects it`);
    }
  }
  checkSharedPluginPools(config, sink);
  const bgpPools = config.pools.filter((p) => p.protocols.includes('bgp'));
  const p = bgpPools[0];
  if (p !== undefined && config.peers.length === 0) {
    sink.at(p.source.file, 'warning', p.source.path, `pool ${quote(p.name)} is announced with bgp but no BGP peers are configured`);
  }
}

function where(source: SourceLocation): string {
  return source.file ? `${source.file}:${source.path}` : source.path;
}

/**
 * A pool claimed by a plugin protocol and another protocol is announced by each of them independently (as MetalLB
 * does for L2 and BGP); said out loud because an L2Advertisement without selection claims every pool.
 */
function checkSharedPluginPools(config: Config, sink: IssueSink): void {
  const builtin = new Set(['layer2', 'bgp']);
  const ads: Array<{ protocol: string; pools: string[]; source: SourceLocation }> = [
    ...config.l2Advertisements.map((a) => ({ ...a, protocol: 'layer2' })),
    ...config.bgpAdvertisements.map((a) => ({ ...a, protocol: 'bgp' })),
    ...config.pluginAdvertisements,
  ];
  for (const pool of config.pools) {
    if (pool.protocols.length < 2 || pool.protocols.every((p) => builtin.has(p))) continue;
    const by = pool.protocols.map((protocol) => {
      const names = ads.filter((a) => a.protocol === protocol && a.pools.includes(pool.name)).map((a) => a.source.path);
      return `${protocol} (${[...new Set(names)].join(', ')})`;
    });
    sink.at(
      pool.source.file,
      'warning',
      pool.source.path,
      `pool ${quote(pool.name)} is announced by several protocols: ${by.join(', ')}; each announces it independently from the nodes its advertisements select (narrow an advertisement with ipAddressPools or ipAddressPoolSelectors if that is not meant)`,
    );
  }
}

function checkDuplicatePools(draft: ConfigDraft, sink: IssueSink): void {
  const seen = new Map<string, Pool>();
  for (const pool of draft.pools) {
    const first = seen.get(pool.name);
    if (!first) {
      seen.set(pool.name, pool);
      continue;
    }
    const firstLegacy = !first.source.path.startsWith('IPAddressPool/');
    const thisLegacy = !pool.source.path.startsWith('IPAddressPool/');
    const message =
      firstLegacy !== thisLegacy
        ? `pool ${quote(pool.name)} is defined both in the ConfigMap and as an IPAddressPool (also at ${where(first.source)})`
        : `duplicate pool name ${quote(pool.name)} (first defined at ${where(first.source)})`;
    sink.at(pool.source.file, 'error', `${pool.source.path}${thisLegacy ? '.name' : ''}`, message);
  }
}

function checkDuplicates(what: string, items: Array<{ name: string; source: SourceLocation }>, sink: IssueSink): void {
  const seen = new Map<string, SourceLocation>();
  for (const item of items) {
    const first = seen.get(item.name);
    if (first) sink.at(item.source.file, 'error', item.source.path, `duplicate ${what} name ${quote(item.name)} (first defined at ${where(first)})`);
    else seen.set(item.name, item.source);
  }
}

/** Two sessions to one address, port and VRF from the same nodes cannot coexist. */
function checkDuplicatePeerAddresses(draft: ConfigDraft, sink: IssueSink): void {
  const seen = new Map<string, { name: string; source: SourceLocation }>();
  for (const peer of draft.peers) {
    const ip = parseIp(peer.peerAddress);
    const address = ip ? formatIp(ip) : peer.peerAddress;
    const id = JSON.stringify([address, peer.peerPort, peer.vrf ?? '', peer.sourceAddress ?? '', peer.nodeSelectors]);
    const first = seen.get(id);
    if (!first) {
      seen.set(id, peer);
      continue;
    }
    sink.at(
      peer.source.file,
      'error',
      peer.source.path,
      `peer ${address} port ${peer.peerPort} is already configured by ${quote(first.name)} (at ${where(first.source)}) for the same nodes`,
    );
  }
}

function checkOverlaps(pools: Pool[], rangePaths: WeakMap<IpRange, string>, sink: IssueSink): void {
  const seen: Array<{ pool: Pool; range: IpRange }> = [];
  for (const pool of pools) {
    for (const range of pool.ranges) {
      for (const other of seen) {
        if (!rangesOverlap(range, other.range)) continue;
        const owner = other.pool === pool ? 'in the same pool' : `of pool ${quote(other.pool.name)}`;
        const path = rangePaths.get(range) ?? pool.source.path;
        sink.at(pool.source.file, 'error', path, `${quote(range.text)} overlaps ${quote(other.range.text)} ${owner}`);
        break;
      }
      seen.push({ pool, range });
    }
  }
}

function checkAggregation(ad: BgpAdvertisement, pools: Map<string, Pool>, sink: IssueSink, v4Path: string, v6Path: string): void {
  for (const name of ad.pools) {
    for (const range of pools.get(name)?.ranges ?? []) {
      const length = range.family === 4 ? ad.aggregationLength : ad.aggregationLengthV6;
      const widest = widestPrefixLength(range);
      if (length < widest) {
        sink.at(
          ad.source.file,
          'error',
          range.family === 4 ? v4Path : v6Path,
          `aggregation length ${length} is shorter than the /${widest} prefix of ${quote(range.text)} in pool ${quote(name)}: it would announce addresses outside the pool`,
        );
      }
    }
  }
}

/** LOCAL_PREF is sent only to iBGP peers; warn when every peer the advertisement targets is eBGP. */
function checkLocalPrefOnEbgp(ad: BgpAdvertisement, config: Config, sink: IssueSink, path: string): void {
  if (ad.localPref === undefined) return;
  const targets = ad.peers.length ? config.peers.filter((p) => ad.peers.includes(p.name)) : config.peers;
  if (targets.length > 0 && targets.every((p) => p.myASN !== p.peerASN)) {
    sink.at(ad.source.file, 'warning', path, 'localPref is only sent to iBGP peers, and every peer of this advertisement is eBGP');
  }
}

/** Two advertisements of one pool reaching the same peer with the same aggregation must agree on localPref. */
function checkLocalPrefConflicts(config: Config, pools: Map<string, Pool>, sink: IssueSink, pathOf: (ad: BgpAdvertisement) => string): void {
  const ads = config.bgpAdvertisements.filter((a) => a.localPref !== undefined);
  // Same prefix announced twice: a family the pool has, aggregated to the same length by both.
  const samePrefixes = (a: BgpAdvertisement, b: BgpAdvertisement, poolName: string): boolean =>
    (pools.get(poolName)?.ranges ?? []).some((r) =>
      r.family === 4 ? a.aggregationLength === b.aggregationLength : a.aggregationLengthV6 === b.aggregationLengthV6,
    );
  for (const [i, a] of ads.entries()) {
    for (const b of ads.slice(0, i)) {
      if (a.localPref === b.localPref) continue;
      const pool = a.pools.find((p) => b.pools.includes(p) && samePrefixes(a, b, p));
      if (pool === undefined) continue;
      const peersOverlap = a.peers.length === 0 || b.peers.length === 0 || a.peers.some((p) => b.peers.includes(p));
      if (!peersOverlap) continue;
      sink.at(
        a.source.file,
        'error',
        pathOf(a),
        `localPref ${a.localPref} conflicts with localPref ${b.localPref} of ${quote(b.name)} for pool ${quote(pool)} and the same peers`,
      );
      break;
    }
  }
}
