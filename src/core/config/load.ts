// Entry points: configuration files (validate, plan) or API objects (controller, speaker informers) → one Config, or located issues.
import type { Config, ConfigIssue, PoolConfigView } from './model';
import { emptyDraft, type ConfigDraft } from './draft';
import { isMapping } from './field-reader';
import { describeType, IssueSink, joinPath, quote } from './issues';
import { readLegacyConfig } from './legacy-configmap';
import { crdGroup, isMetallbKind, preferredApiVersion, readCrd } from './crds';
import { resolveDraft } from './resolve';
import { validateConfig, validateDraft } from './validation';
import { embeddedConfigOffset, parseYamlDocuments } from './yaml-documents';
import { BUILTIN_PROTOCOLS, type ProtocolCatalog } from './protocols';

export interface ConfigSource {
  file: string;
  text: string;
}

/** An already-parsed object: a ConfigMap, a metallb.io resource, a `kind: List`, or a bare legacy config mapping. */
export interface ConfigObject {
  object: unknown;
  /** Reported as the issue's file (e.g. `metallb-system/config`); optional. */
  file?: string;
  /** Used when the object lacks `kind` (informer list items often do). */
  kind?: string;
}

export interface LoadOptions extends Partial<ProtocolCatalog> {
  /** Extra per-protocol pool checks (an AnnouncerPlugin's `validate`), run on pools announced with that protocol. */
  pluginValidators?: Record<string, (view: PoolConfigView) => ConfigIssue[]>;
}

export interface LoadResult {
  /** Present only when no issue is an error. */
  config?: Config;
  issues: ConfigIssue[];
}

/** Parses and validates YAML files (multi-document; ConfigMaps, CRDs, Lists, bare legacy config text), merged into one Config. */
export function loadConfig(sources: ConfigSource[], opts: LoadOptions = {}): LoadResult {
  const catalog = catalogOf(opts);
  const sink = new IssueSink();
  sink.fromFiles = true;
  const draft = emptyDraft();
  for (const source of sources) {
    sink.file = source.file;
    const docs = parseYamlDocuments(source.text, sink);
    if (!docs) continue;
    for (const doc of docs) readObject(doc.value, doc.path, undefined, sink, draft, catalog, source.text);
  }
  return finish(draft, sink, catalog, opts);
}

/** The same rules over objects the Kubernetes API handed over (no YAML text of the outer objects). */
export function buildConfig(objects: ConfigObject[], opts: LoadOptions = {}): LoadResult {
  const catalog = catalogOf(opts);
  const sink = new IssueSink();
  const draft = emptyDraft();
  for (const o of objects) {
    sink.file = o.file;
    readObject(o.object, '', o.kind, sink, draft, catalog, undefined);
  }
  return finish(draft, sink, catalog, opts);
}

function catalogOf(opts: LoadOptions): ProtocolCatalog {
  return {
    protocols: opts.protocols ?? BUILTIN_PROTOCOLS.protocols,
    installed: opts.installed ?? BUILTIN_PROTOCOLS.installed,
  };
}

function finish(draft: ConfigDraft, sink: IssueSink, catalog: ProtocolCatalog, opts: LoadOptions): LoadResult {
  sink.file = undefined;
  validateDraft(draft, sink);
  const config = resolveDraft(draft, sink, catalog);
  validateConfig(config, sink, draft);
  runPluginValidators(config, opts, sink);
  return sink.hasErrors() ? { issues: sink.issues } : { config, issues: sink.issues };
}

function runPluginValidators(config: Config, opts: LoadOptions, sink: IssueSink): void {
  const seen = new Set<string>();
  for (const [protocol, validate] of Object.entries(opts.pluginValidators ?? {})) {
    for (const pool of config.pools.filter((p) => p.protocols.includes(protocol))) {
      try {
        const pluginAdvertisements = config.pluginAdvertisements.filter((a) => a.protocol === protocol && a.pools.includes(pool.name));
        // Located at the pool unless the plugin says otherwise, so `validate` prints FILE:PATH like any other issue.
        for (const issue of validate({ pool, config, pluginAdvertisements })) {
          const located = { ...issue, file: issue.file ?? pool.source.file, path: issue.path || pool.source.path };
          // An advertisement's options are seen once per pool it selects: report each problem once.
          if (!seen.has(JSON.stringify(located))) sink.issues.push(located);
          seen.add(JSON.stringify(located));
        }
      } catch (err) {
        sink.at(pool.source.file, 'error', pool.source.path, `plugin ${quote(protocol)} failed to validate the pool: ${(err as Error).message}`);
      }
    }
  }
}

const LEGACY_KEYS = ['address-pools', 'peers', 'bgp-communities', 'bfd-profiles'];

function readObject(
  value: unknown,
  path: string,
  kindHint: string | undefined,
  sink: IssueSink,
  draft: ConfigDraft,
  catalog: ProtocolCatalog,
  fileText: string | undefined,
): void {
  if (value === null || value === undefined) return;
  if (!isMapping(value)) {
    sink.error(path || '(document)', `expected a Kubernetes object or a MetalLB config mapping, got ${describeType(value)}`);
    return;
  }
  const kind = typeof value.kind === 'string' ? value.kind : kindHint;
  if (kind === undefined) {
    if (value.kind !== undefined) {
      sink.error(joinPath(path, 'kind'), `expected a string, got ${describeType(value.kind)}`);
      return;
    }
    // No kind: the text of a ConfigMap's `config` key, read as such (unknown keys are reported there).
    if (!LEGACY_KEYS.some((k) => k in value) && 'apiVersion' in value) {
      sink.warning(path || '(document)', 'object has no kind; ignored');
      return;
    }
    readLegacyConfig(value, path, sink, draft, catalog);
    return;
  }
  if (kind === 'List') {
    const items = value.items;
    if (!Array.isArray(items)) {
      sink.error(joinPath(path, 'items'), `expected a list, got ${describeType(items)}`);
      return;
    }
    items.forEach((item, i) => readObject(item, `${joinPath(path, 'items')}[${i}]`, undefined, sink, draft, catalog, undefined));
    return;
  }
  if (kind === 'ConfigMap') {
    readConfigMap(value, path, sink, draft, catalog, fileText);
    return;
  }
  const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : undefined;
  const group = apiVersion?.includes('/') ? apiVersion.split('/')[0] : undefined;
  if (isMetallbKind(kind) && (group === crdGroup(kind) || (apiVersion === undefined && kindHint !== undefined))) {
    readCrd(kind, value, path, sink, draft);
    return;
  }
  const name = isMapping(value.metadata) && typeof value.metadata.name === 'string' ? `/${value.metadata.name}` : '';
  if (isMetallbKind(kind)) {
    const expected = preferredApiVersion(kind);
    sink.error(name ? `${kind}${name}.apiVersion` : joinPath(path, 'apiVersion'), `${kind} needs apiVersion ${expected}, got ${quote(apiVersion ?? null)}`);
    return;
  }
  sink.warning(name ? `${kind}${name}` : path || kind, `kind ${quote(kind)}${apiVersion ? ` (${apiVersion})` : ''} is not MetalLB configuration; ignored`);
}

function readConfigMap(
  value: Record<string, unknown>,
  path: string,
  sink: IssueSink,
  draft: ConfigDraft,
  catalog: ProtocolCatalog,
  fileText: string | undefined,
): void {
  const meta = isMapping(value.metadata) ? value.metadata : {};
  const name = typeof meta.name === 'string' ? meta.name : '(unnamed)';
  const data = value.data;
  const text = isMapping(data) ? data.config : undefined;
  if (text === undefined || text === null) {
    sink.warning(path || `ConfigMap/${name}`, `ConfigMap ${quote(name)} has no data.config; ignored`);
    return;
  }
  if (typeof text !== 'string') {
    sink.error(joinPath(path, 'data.config'), `expected the config text as a string, got ${describeType(text)}`);
    return;
  }
  // Line numbers of syntax errors point into the file when the block can be located there.
  const offset = fileText !== undefined ? embeddedConfigOffset(fileText) : undefined;
  const docs = parseYamlDocuments(text, sink, { ...offset, fallbackPath: joinPath(path, 'data.config') });
  if (!docs) return;
  // Paths inside the config text are written as in the text itself: `address-pools[1].addresses[0]`.
  for (const doc of docs) readLegacyConfig(doc.value ?? {}, doc.path, sink, draft, catalog);
}
