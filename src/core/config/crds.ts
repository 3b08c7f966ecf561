// The metallb.io custom resources (IPAddressPool, L2/BGPAdvertisement, BGPPeer, Community, BFDProfile) and metallbts.io PluginAdvertisement into the draft.
import type { Pool, ServiceAllocation, SourceLocation } from './model';
import type { ConfigDraft, PoolSelection } from './draft';
import { FieldReader, isMapping } from './field-reader';
import { IssueSink, quote } from './issues';
import { readAddressList } from './pool-addresses';
import { readBfdProfile, readBgpAdvertisementFields, readPeer, type PeerVersion } from './bgp-fields';
import { readSelectorList } from './selectors';
import { METALLBTS_GROUP, readPluginAdvertisement } from './plugin-advertisement-crd';

export const METALLB_GROUP = 'metallb.io';

const VERSIONS: Record<string, string[]> = {
  IPAddressPool: ['v1beta1'],
  L2Advertisement: ['v1beta1'],
  BGPAdvertisement: ['v1beta1'],
  BGPPeer: ['v1beta1', 'v1beta2'],
  Community: ['v1beta1'],
  BFDProfile: ['v1beta1'],
  PluginAdvertisement: ['v1alpha1'],
};

/** metallbts's own kinds live in their own group, so they never collide with a future metallb.io kind. */
const GROUPS: Record<string, string> = { PluginAdvertisement: METALLBTS_GROUP };

/** A configuration kind of metallb.io or metallbts.io (see `crdGroup`). */
export function isMetallbKind(kind: string): boolean {
  return Object.prototype.hasOwnProperty.call(VERSIONS, kind);
}

/** The API group of a kind for which `isMetallbKind` holds. */
export function crdGroup(kind: string): string {
  return GROUPS[kind] ?? METALLB_GROUP;
}

/** The apiVersion to write for a kind (its newest served version). */
export function preferredApiVersion(kind: string): string {
  return `${crdGroup(kind)}/${VERSIONS[kind]?.at(-1) ?? ''}`;
}

/**
 * Reads one metallb.io object whose kind `isMetallbKind`. `docPath` locates it when it has no name.
 * Paths look like `IPAddressPool/default.spec.addresses[0]`.
 */
export function readCrd(kind: string, object: Record<string, unknown>, docPath: string, sink: IssueSink, draft: ConfigDraft): void {
  const previous = sink.unknownFields;
  sink.unknownFields = sink.fromFiles ? 'error' : 'warning';
  try {
    readCrdObject(kind, object, docPath, sink, draft);
  } finally {
    sink.unknownFields = previous;
  }
}

function readCrdObject(kind: string, object: Record<string, unknown>, docPath: string, sink: IssueSink, draft: ConfigDraft): void {
  const rawMeta = object.metadata;
  const rawName = isMapping(rawMeta) ? rawMeta.name : undefined;
  const name = typeof rawName === 'string' && rawName !== '' ? rawName : undefined;
  const base = name !== undefined ? `${kind}/${name}` : `${kind}${docPath ? `(${docPath})` : ''}`;
  const top = new FieldReader(object, base, sink);
  const apiVersion = top.string('apiVersion');
  top.accept('kind', 'status', 'spec');
  const meta = top.object('metadata');
  if (name === undefined) sink.error(`${base}.metadata.name`, `${kind} has no metadata.name`);
  const served = VERSIONS[kind] ?? [];
  let version = served.at(-1);
  const kindGroup = crdGroup(kind);
  if (apiVersion !== undefined) {
    const [group, v] = apiVersion.split('/');
    if (group === kindGroup && (v === undefined || !served.includes(v))) {
      // The API server serves no such version (kubectl: "no matches for kind"), so nothing is read.
      sink.error(`${base}.apiVersion`, `${kind} ${apiVersion} is not a served version (served: ${served.map((x) => `${kindGroup}/${x}`).join(', ')})`);
      return;
    }
    if (group === kindGroup) version = v;
  }
  const labels = meta?.stringMap('labels') ?? {};
  const loc: SourceLocation = sink.file === undefined ? { path: base } : { file: sink.file, path: base };
  // Metadata carries many server-set fields; none of them is a user typo worth a warning.
  top.accept('metadata');
  const specValue = object.spec ?? {};
  const spec = FieldReader.of(specValue, `${base}.spec`, sink, 'a spec mapping');
  top.finish();
  if (!spec || name === undefined) return;

  switch (kind) {
    case 'IPAddressPool':
      readPool(spec, name, labels, loc, draft);
      break;
    case 'L2Advertisement':
      draft.l2Advertisements.push({
        name,
        poolSelection: readPoolSelection(spec),
        nodeSelectors: readSelectorList(spec, 'nodeSelectors', 'crd'),
        interfaces: readInterfaces(spec),
        serviceSelectors: readSelectorList(spec, 'serviceSelectors', 'crd'),
        ...subnetAwareAnnotation(meta?.stringMap('annotations') ?? {}, `${base}.metadata.annotations`, sink),
        source: loc,
        legacy: false,
      });
      break;
    case 'BGPAdvertisement': {
      const ad = readBgpAdvertisementFields(spec, 'crd', name, loc, readPoolSelection(spec));
      ad.peerRefs = (spec.stringList('peers') ?? []).map((p) => ({ name: p.value, path: p.path }));
      ad.nodeSelectors = readSelectorList(spec, 'nodeSelectors', 'crd');
      ad.serviceSelectors = readSelectorList(spec, 'serviceSelectors', 'crd');
      draft.bgpAdvertisements.push(ad);
      break;
    }
    case 'BGPPeer': {
      const peer = readPeer(spec, 'crd', name, loc, version as PeerVersion);
      if (peer) draft.peers.push(peer);
      break;
    }
    case 'Community':
      readCommunities(spec, loc, draft);
      break;
    case 'BFDProfile':
      draft.bfdProfiles.push(readBfdProfile(spec, 'crd', name, loc));
      break;
    case 'PluginAdvertisement':
      readPluginAdvertisement(spec, name, loc, readPoolSelection(spec), draft);
      break;
  }
  spec.finish();
}

function readPool(spec: FieldReader, name: string, labels: Record<string, string>, loc: SourceLocation, draft: ConfigDraft): void {
  const addresses = readAddressList(spec, 'addresses', draft.rangePaths);
  if (addresses.written === 0) spec.sink.error(spec.pathOf('addresses'), `pool ${quote(name)} has no addresses`);
  const pool: Pool = {
    name,
    ranges: addresses.ranges,
    autoAssign: spec.boolean('autoAssign') ?? true,
    avoidBuggyIPs: spec.boolean('avoidBuggyIPs') ?? false,
    labels,
    protocols: [],
    source: loc,
  };
  const sa = spec.object('serviceAllocation');
  if (sa) {
    const allocation: ServiceAllocation = {
      priority: sa.integer('priority', 0, 2147483647) ?? 0,
      namespaces: (sa.stringList('namespaces') ?? []).map((n) => n.value),
      namespaceSelectors: readSelectorList(sa, 'namespaceSelectors', 'crd'),
      serviceSelectors: readSelectorList(sa, 'serviceSelectors', 'crd'),
    };
    sa.finish();
    pool.serviceAllocation = allocation;
  }
  draft.pools.push(pool);
}

function readPoolSelection(spec: FieldReader): PoolSelection {
  const names = (spec.stringList('ipAddressPools') ?? []).map((p) => ({ name: p.value, path: p.path }));
  const selectors = readSelectorList(spec, 'ipAddressPoolSelectors', 'crd');
  return { names, selectors, selectorsPath: spec.pathOf('ipAddressPoolSelectors') };
}

function readCommunities(spec: FieldReader, loc: SourceLocation, draft: ConfigDraft): void {
  for (const item of spec.list('communities') ?? []) {
    const r = FieldReader.of(item.value, item.path, spec.sink, 'a community mapping');
    if (!r) continue;
    const name = r.string('name', { required: true });
    const value = r.string('value', { required: true });
    r.finish();
    if (name !== undefined && value !== undefined) {
      draft.communities.push({ name, value, source: { ...loc, path: `${item.path}.value` } });
    }
  }
}

/** Linux interface names: 1 to 15 characters, no '/', ':' or whitespace (as the CRD schema says). */
function readInterfaces(spec: FieldReader): string[] {
  const out: string[] = [];
  for (const item of spec.stringList('interfaces') ?? []) {
    if (/^[^/\s:]{1,15}$/.test(item.value)) out.push(item.value);
    else spec.sink.error(item.path, `${quote(item.value)} is not an interface name (1 to 15 characters, no "/", ":" or spaces)`);
  }
  return out;
}

const SUBNET_AWARE = 'metallb.io/subnet-aware';

/** An L2Advertisement's opt-out of subnet-aware layer 2 (metallbts only); other values are reported and ignored. */
function subnetAwareAnnotation(annotations: Record<string, string>, path: string, sink: IssueSink): { subnetAware?: boolean } {
  const v = annotations[SUBNET_AWARE];
  if (v === undefined) return {};
  if (v === 'true' || v === 'false') return { subnetAware: v === 'true' };
  sink.warning(`${path}.${SUBNET_AWARE}`, `must be "true" or "false", got ${JSON.stringify(v)}; ignored`);
  return {};
}
