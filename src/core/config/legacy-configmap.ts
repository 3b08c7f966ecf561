// The legacy ConfigMap `config` text (MetalLB v0.1–v0.12 and the tutorials) into the draft: pools, peers, communities, BFD.
import type { LabelSelector, Pool, SourceLocation } from './model';
import type { ConfigDraft, DraftBgpAdvertisement } from './draft';
import { FieldReader } from './field-reader';
import { IssueSink, joinPath, quote } from './issues';
import { readAddressList } from './pool-addresses';
import { readBfdProfile, readBgpAdvertisementFields, readPeer } from './bgp-fields';
import { noPluginMessage, type ProtocolCatalog } from './protocols';

/** Reads one legacy config mapping found at `base` ('' for a bare config document). */
export function readLegacyConfig(value: unknown, base: string, sink: IssueSink, draft: ConfigDraft, catalog: ProtocolCatalog): void {
  const r = FieldReader.of(value, base, sink, 'a MetalLB config mapping');
  if (!r) return;
  const loc = (path: string): SourceLocation => (sink.file === undefined ? { path } : { file: sink.file, path });

  for (const item of r.list('peers') ?? []) {
    const pr = FieldReader.of(item.value, item.path, sink, 'a peer mapping');
    if (!pr) continue;
    const peer = readPeer(pr, 'legacy', item.path, loc(item.path));
    pr.finish();
    if (peer) draft.peers.push(peer);
  }

  const aliases = r.object('bgp-communities');
  if (aliases) {
    for (const [name, v] of Object.entries(aliases.value)) {
      const path = aliases.pathOf(name);
      if (typeof v !== 'string') {
        sink.error(path, `community value must be a string like "65000:100", got ${quote(v)}`);
        continue;
      }
      draft.communities.push({ name, value: v, source: loc(path) });
    }
  }

  for (const item of r.list('bfd-profiles') ?? []) {
    const br = FieldReader.of(item.value, item.path, sink, 'a BFD profile mapping');
    if (!br) continue;
    const name = readName(br, 'BFD profile');
    const profile = readBfdProfile(br, 'legacy', name ?? '', loc(item.path));
    br.finish();
    if (name !== undefined) draft.bfdProfiles.push(profile);
  }

  for (const item of r.list('address-pools') ?? []) readLegacyPool(item.value, item.path, sink, draft, catalog, loc);
  r.finish();
}

function readName(r: FieldReader, what: string): string | undefined {
  const name = r.string('name', { required: true });
  if (name !== undefined && name.trim() === '') {
    r.sink.error(r.pathOf('name'), `${what} name is empty`);
    return undefined;
  }
  return name;
}

function readLegacyPool(
  value: unknown,
  path: string,
  sink: IssueSink,
  draft: ConfigDraft,
  catalog: ProtocolCatalog,
  loc: (path: string) => SourceLocation,
): void {
  const r = FieldReader.of(value, path, sink, 'an address pool mapping');
  if (!r) return;
  const name = readName(r, 'pool');
  const protocolText = r.string('protocol');
  const addresses = readAddressList(r, 'addresses', draft.rangePaths);
  const cidr = readAddressList(r, 'cidr', draft.rangePaths);
  const avoidBuggyIPs = r.boolean('avoid-buggy-ips') ?? false;
  const autoAssign = r.boolean('auto-assign') ?? true;
  const adsKey = r.has('bgp-advertisements') ? 'bgp-advertisements' : 'advertisements';
  if (r.has('bgp-advertisements') && r.has('advertisements')) {
    sink.error(r.pathOf('advertisements'), 'use bgp-advertisements (advertisements is its old name), not both');
  }
  const adItems = r.list(adsKey);
  r.finish();

  const ranges = [...addresses.ranges, ...cidr.ranges];
  if (addresses.written + cidr.written === 0) sink.error(r.pathOf('addresses'), `pool ${quote(name ?? '')} has no addresses`);
  if (name === undefined) return;

  const pool: Pool = { name, ranges, autoAssign, avoidBuggyIPs, labels: {}, protocols: [], source: loc(path) };
  draft.pools.push(pool);
  draft.legacyPools.add(name);
  const selection = { names: [{ name, path: r.pathOf('name') }], selectors: [] as LabelSelector[] };

  if (protocolText === undefined) {
    sink.warning(r.pathOf('protocol'), `pool ${quote(name)} has no protocol; defaulting to bgp (use layer2 for ARP/NDP)`);
  }
  const written = protocolText ?? 'bgp';
  const protocol = catalog.protocols(written);
  if (protocol === undefined) {
    sink.error(r.pathOf('protocol'), noPluginMessage(written, catalog));
    return;
  }
  if (protocol !== 'bgp' && adItems && adItems.length > 0) {
    sink.error(r.pathOf(adsKey), `${adsKey} apply only to bgp pools; pool ${quote(name)} uses ${protocol}`);
  }
  if (protocol === 'layer2') {
    draft.l2Advertisements.push({
      name: path,
      poolSelection: selection,
      nodeSelectors: [],
      interfaces: [],
      serviceSelectors: [],
      source: loc(path),
      legacy: true,
    });
  } else if (protocol === 'bgp') {
    const ads: DraftBgpAdvertisement[] = [];
    for (const item of adItems ?? []) {
      // An empty entry (`- ` alone) is a default advertisement, as MetalLB reads it.
      const value = item.value === null || item.value === undefined ? {} : item.value;
      const ar = FieldReader.of(value, item.path, sink, 'a BGP advertisement mapping');
      if (!ar) continue;
      ads.push(readBgpAdvertisementFields(ar, 'legacy', item.path, loc(item.path), selection));
      ar.finish();
    }
    reportDuplicateAdvertisements(adItems ?? [], sink);
    if (!adItems || adItems.length === 0) {
      const defaults = new FieldReader({}, joinPath(path, adsKey), sink);
      ads.push(readBgpAdvertisementFields(defaults, 'legacy', path, loc(path), selection));
    }
    draft.bgpAdvertisements.push(...ads);
  } else {
    draft.pluginAdvertisements.push({
      name: path,
      protocol,
      protocolPath: r.pathOf('protocol'),
      poolSelection: selection,
      nodeSelectors: [],
      serviceSelectors: [],
      options: {},
      source: loc(path),
      legacy: true,
    });
  }
}

/** Two identical entries in one pool's advertisements are an error, as in MetalLB (compared as written). */
function reportDuplicateAdvertisements(items: Array<{ value: unknown; path: string }>, sink: IssueSink): void {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const key = canonicalJson(item.value ?? {});
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, i);
      return;
    }
    sink.error(item.path, `duplicate definition of bgp-advertisements: advertisement ${first + 1} and ${i + 1} are equal (first at ${items[first]?.path ?? ''})`);
  });
}

/** JSON with mapping keys sorted, so key order does not make two equal mappings differ. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
