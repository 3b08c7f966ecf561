// Turns the draft into the Config model: resolves pool selections, peer and BFD references, community aliases, pool protocols.
import type { BgpAdvertisement, Community, Config, L2Advertisement, PluginAdvertisement, Pool, SourceLocation } from './model';
import type { ConfigDraft, PoolSelection } from './draft';
import { IssueSink, quote } from './issues';
import { parseCommunity, resolveCommunity } from './communities';
import { anySelectorMatches } from './selectors';
import { noPluginMessage, type ProtocolCatalog } from './protocols';

export function resolveDraft(draft: ConfigDraft, sink: IssueSink, catalog: ProtocolCatalog): Config {
  const pools = uniqueByName(draft.pools);
  const aliases = resolveAliases(draft, sink);
  const peerNames = new Set(draft.peers.map((p) => p.name));
  const addProtocol = (poolName: string, protocol: string): void => {
    const pool = pools.get(poolName);
    if (pool && !pool.protocols.includes(protocol)) pool.protocols.push(protocol);
  };
  const requireInstalled = (protocol: string, source: SourceLocation): boolean => {
    if (catalog.protocols(protocol) !== undefined) return true;
    sink.at(source.file, 'error', source.path, noPluginMessage(protocol, catalog));
    return false;
  };

  const l2Advertisements: L2Advertisement[] = [];
  for (const ad of draft.l2Advertisements) {
    if (!ad.legacy && !requireInstalled('layer2', ad.source)) continue;
    const selected = selectPools(ad.poolSelection, ad.source, [...pools.values()], draft.legacyPools, sink);
    selected.forEach((p) => addProtocol(p, 'layer2'));
    l2Advertisements.push({
      name: ad.name,
      pools: selected,
      nodeSelectors: ad.nodeSelectors,
      interfaces: ad.interfaces,
      serviceSelectors: ad.serviceSelectors,
      ...(ad.subnetAware !== undefined ? { subnetAware: ad.subnetAware } : {}),
      source: ad.source,
    });
  }

  const bgpAdvertisements: BgpAdvertisement[] = [];
  for (const ad of draft.bgpAdvertisements) {
    if (!ad.legacy && !requireInstalled('bgp', ad.source)) continue;
    const selected = selectPools(ad.poolSelection, ad.source, [...pools.values()], draft.legacyPools, sink);
    selected.forEach((p) => addProtocol(p, 'bgp'));
    const communities: Community[] = [];
    for (const ref of ad.communityRefs) {
      const parsed = resolveCommunity(ref.text, aliases);
      if (parsed.ok) communities.push(parsed.community);
      else sink.at(ad.source.file, 'error', ref.path, parsed.message);
    }
    for (const ref of ad.peerRefs) {
      if (!peerNames.has(ref.name)) sink.at(ad.source.file, 'error', ref.path, `unknown peer ${quote(ref.name)}${known(peerNames)}`);
    }
    const resolved: BgpAdvertisement = {
      name: ad.name,
      aggregationLength: ad.aggregationLength,
      aggregationLengthV6: ad.aggregationLengthV6,
      communities,
      pools: selected,
      nodeSelectors: ad.nodeSelectors,
      peers: ad.peerRefs.map((p) => p.name),
      serviceSelectors: ad.serviceSelectors,
      source: ad.source,
    };
    if (ad.localPref !== undefined) resolved.localPref = ad.localPref;
    bgpAdvertisements.push(resolved);
  }

  const pluginAdvertisements: PluginAdvertisement[] = [];
  for (const ad of draft.pluginAdvertisements) {
    // A legacy pool's protocol was resolved when read; a PluginAdvertisement's alias is resolved here.
    const protocol = ad.legacy ? ad.protocol : catalog.protocols(ad.protocol);
    if (protocol === undefined) {
      sink.at(ad.source.file, 'error', ad.protocolPath, noPluginMessage(ad.protocol, catalog));
      continue;
    }
    const selected = selectPools(ad.poolSelection, ad.source, [...pools.values()], draft.legacyPools, sink);
    selected.forEach((p) => addProtocol(p, protocol));
    pluginAdvertisements.push({
      protocol,
      pools: selected,
      ...(ad.legacy ? {} : { name: ad.name }),
      nodeSelectors: ad.nodeSelectors ?? [],
      serviceSelectors: ad.serviceSelectors ?? [],
      options: ad.options ?? {},
      source: ad.source,
    });
  }

  const bfdNames = new Set(draft.bfdProfiles.map((b) => b.name));
  const peers = draft.peers.map(({ bfdProfilePath, ...peer }) => {
    if (peer.bfdProfile !== undefined && !bfdNames.has(peer.bfdProfile)) {
      sink.at(peer.source.file, 'error', bfdProfilePath ?? peer.source.path, `unknown BFD profile ${quote(peer.bfdProfile)}${known(bfdNames)}`);
    }
    return peer;
  });

  return {
    pools: [...pools.values()],
    peers,
    bgpAdvertisements,
    l2Advertisements,
    pluginAdvertisements,
    communityAliases: aliases,
    bfdProfiles: draft.bfdProfiles,
  };
}

function known(names: Set<string>): string {
  return names.size ? ` (known: ${[...names].join(', ')})` : ' (none are defined)';
}

/** First pool of each name, in declaration order (duplicates are reported by validation). */
function uniqueByName(pools: Pool[]): Map<string, Pool> {
  const out = new Map<string, Pool>();
  for (const p of pools) if (!out.has(p.name)) out.set(p.name, { ...p, protocols: [...p.protocols] });
  return out;
}

/** Alias → value text; malformed values and conflicting redefinitions are errors. */
function resolveAliases(draft: ConfigDraft, sink: IssueSink): Record<string, string> {
  const aliases = new Map<string, string>();
  for (const c of draft.communities) {
    const parsed = parseCommunity(c.value);
    if (!parsed.ok) {
      sink.at(c.source.file, 'error', c.source.path, parsed.message);
      continue;
    }
    const existing = aliases.get(c.name);
    if (existing !== undefined) {
      if (existing !== c.value) sink.at(c.source.file, 'error', c.source.path, `community ${quote(c.name)} is already defined as ${quote(existing)}`);
      continue;
    }
    aliases.set(c.name, c.value);
  }
  return Object.fromEntries(aliases);
}

/**
 * Pool names an advertisement applies to. No selection = every CRD pool (legacy pools carry their own
 * advertisements). Selectors match CRD pools' labels. Unknown names are errors.
 */
function selectPools(sel: PoolSelection, source: SourceLocation, pools: Pool[], legacyPools: Set<string>, sink: IssueSink): string[] {
  const crdPools = pools.filter((p) => !legacyPools.has(p.name));
  if (sel.names.length === 0 && sel.selectors.length === 0) return crdPools.map((p) => p.name);
  const chosen = new Set<string>();
  const byName = new Set(pools.map((p) => p.name));
  for (const ref of sel.names) {
    if (byName.has(ref.name)) chosen.add(ref.name);
    else sink.at(source.file, 'error', ref.path, `unknown address pool ${quote(ref.name)}${known(byName)}`);
  }
  if (sel.selectors.length > 0) {
    const matched = crdPools.filter((p) => sel.selectors.some((s) => anySelectorMatches([s], p.labels)));
    if (matched.length === 0) sink.at(source.file, 'warning', sel.selectorsPath ?? source.path, 'ipAddressPoolSelectors match no address pool');
    matched.forEach((p) => chosen.add(p.name));
  }
  // Keep the pools' declaration order.
  return pools.filter((p) => chosen.has(p.name)).map((p) => p.name);
}
