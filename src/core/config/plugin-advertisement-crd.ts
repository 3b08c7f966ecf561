// The metallbts.io/v1alpha1 PluginAdvertisement: selects pools for a third-party protocol, with that plugin's options.
import type { SourceLocation } from './model';
import type { ConfigDraft, PoolSelection } from './draft';
import { describeType, quote } from './issues';
import { isMapping, type FieldReader } from './field-reader';
import { readSelectorList } from './selectors';

export const METALLBTS_GROUP = 'metallbts.io';

/** What a plugin's protocol name may be (the plugin registry's rule), at most 63 characters like a label value. */
const PROTOCOL_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** Built-in protocol names (and aliases) and the metallb.io kind that selects their pools instead (as the CRD's CEL rule says). */
export const BUILTIN_ADVERTISEMENT_KINDS: Readonly<Record<string, string>> = {
  layer2: 'an L2Advertisement',
  arp: 'an L2Advertisement',
  bgp: 'a BGPAdvertisement',
};

/** Reads a PluginAdvertisement's spec into the draft; the protocol is resolved against installed plugins later. */
export function readPluginAdvertisement(spec: FieldReader, name: string, loc: SourceLocation, poolSelection: PoolSelection, draft: ConfigDraft): void {
  const sink = spec.sink;
  const protocolPath = spec.pathOf('protocol');
  const protocol = spec.string('protocol', { required: true });
  let valid = protocol !== undefined;
  if (protocol !== undefined && !PROTOCOL_NAME.test(protocol)) {
    sink.error(protocolPath, `${quote(protocol)} is not a protocol name (lower-case letters, digits and dashes, at most 63, starting with a letter or digit)`);
    valid = false;
  } else if (protocol !== undefined && Object.prototype.hasOwnProperty.call(BUILTIN_ADVERTISEMENT_KINDS, protocol)) {
    sink.error(protocolPath, `protocol ${quote(protocol)} is built in: select its pools with ${BUILTIN_ADVERTISEMENT_KINDS[protocol]} (metallb.io/v1beta1)`);
    valid = false;
  }
  const rawOptions = spec.raw('options');
  let options: Record<string, unknown> = {};
  if (rawOptions !== undefined) {
    if (isMapping(rawOptions)) options = rawOptions;
    else {
      sink.error(spec.pathOf('options'), `expected a mapping of the plugin's options, got ${describeType(rawOptions)}`);
      valid = false;
    }
  }
  const nodeSelectors = readSelectorList(spec, 'nodeSelectors', 'crd');
  const serviceSelectors = readSelectorList(spec, 'serviceSelectors', 'crd');
  if (!valid || protocol === undefined) return;
  draft.pluginAdvertisements.push({
    name,
    protocol,
    protocolPath,
    poolSelection,
    nodeSelectors,
    serviceSelectors,
    options,
    source: loc,
    legacy: false,
  });
}
