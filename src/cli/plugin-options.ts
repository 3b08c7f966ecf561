// The chart's per-plugin options (METALLBTS_PLUGIN_OPTIONS), checked and keyed by the protocol each plugin registers.
import type { LoadedPlugins } from './builtin-plugins';

export const PLUGIN_OPTIONS_ENV = 'METALLBTS_PLUGIN_OPTIONS';

/** One entry: the module the chart names (`--plugin`), optionally the protocol, the plugin's options and Secrets. */
export interface PluginOptionsEntry {
  module: string;
  protocol?: string;
  options: Record<string, unknown>;
  /** Secrets (in the speaker's namespace) the plugin reads with `ctx.secret`: the speaker loads them at start. */
  secrets?: string[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses the env value (a JSON array of {module, protocol?, options?}); throws naming the variable and the entry. */
export function parsePluginOptions(raw: string | undefined): PluginOptionsEntry[] {
  if (raw === undefined || raw.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${PLUGIN_OPTIONS_ENV} is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw new Error(`${PLUGIN_OPTIONS_ENV} must be a JSON array of {module, options}`);
  return parsed.map((e: unknown, i) => {
    const where = `${PLUGIN_OPTIONS_ENV}[${i}]`;
    if (!isObject(e)) throw new Error(`${where} must be an object {module, options}`);
    if (typeof e.module !== 'string' || e.module === '') throw new Error(`${where}.module must be a non-empty string`);
    if (e.protocol !== undefined && (typeof e.protocol !== 'string' || e.protocol === '')) throw new Error(`${where}.protocol must be a non-empty string`);
    if (e.options !== undefined && e.options !== null && !isObject(e.options)) throw new Error(`${where}.options must be an object`);
    if (e.secrets !== undefined && (!Array.isArray(e.secrets) || e.secrets.some((s) => typeof s !== 'string' || s === ''))) {
      throw new Error(`${where}.secrets must be an array of Secret names`);
    }
    const entry: PluginOptionsEntry = { module: e.module, options: isObject(e.options) ? e.options : {} };
    if (typeof e.protocol === 'string') entry.protocol = e.protocol;
    if (Array.isArray(e.secrets) && e.secrets.length > 0) entry.secrets = [...e.secrets] as string[];
    return entry;
  });
}

/**
 * Options keyed by protocol, which is how the speaker hands them to a plugin: an explicit `protocol`, else the
 * protocol the module registered when loaded, else the module name itself when it names an installed protocol
 * (a built-in, e.g. `layer2`). Options for a module that is not loaded are an error, not silently dropped.
 */
export function pluginOptionsByProtocol(entries: PluginOptionsEntry[], plugins: LoadedPlugins): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const e of entries) {
    const protocol = e.protocol ?? plugins.protocolOfModule.get(e.module) ?? plugins.registry.canonical(e.module);
    if (!protocol) {
      throw new Error(`${PLUGIN_OPTIONS_ENV}: options for plugin module "${e.module}", which is not loaded (it needs --plugin=${e.module})`);
    }
    out[plugins.registry.canonical(protocol) ?? protocol] = e.options;
  }
  return out;
}

/** Every Secret the plugins name, once each (the speaker reads them at start for `ctx.secret`). */
export function pluginSecretNames(entries: PluginOptionsEntry[]): string[] {
  return [...new Set(entries.flatMap((e) => e.secrets ?? []))];
}
