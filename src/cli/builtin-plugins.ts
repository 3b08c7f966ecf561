// Composition root for plugins: the core never imports plugins/, the CLI wires the built-ins in.
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import type { Logger } from '../core/log';
import { isolatedPlugin } from '../core/plugins/isolated-plugin';
import { isolationFromEnv, type IsolationOptions } from '../core/plugins/isolation-options';
import { PluginLoadError, PluginRegistry } from '../core/plugins/registry';
import { layer2Plugin } from '../../plugins/layer2';
import { bgpPlugin } from '../../plugins/bgp';

/** The registry and, for each third-party module loaded, the protocol it registered. */
export interface LoadedPlugins {
  registry: PluginRegistry;
  protocolOfModule: Map<string, string>;
}

/**
 * Loads a `--plugin` module as its user means it: a path (`./my-plugin.js`) against the working directory; a
 * package name from the working directory's node_modules first, then NODE_PATH and metallbts's own node_modules.
 */
export function pluginRequire(cwd: string = process.cwd()): (id: string) => unknown {
  const where = pluginResolve(cwd);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (id) => require(where(id));
}

/** Where `pluginRequire` finds a module: its absolute path (what an isolated plugin's worker imports). */
export function pluginResolve(cwd: string = process.cwd()): (id: string) => string {
  // createRequire wants a file name; only its directory matters, the file need not exist.
  const fromCwd = createRequire(join(resolve(cwd), '[metallbts --plugin]'));
  return (id) => {
    if (isAbsolute(id) || /^\.\.?([/\\]|$)/.test(id)) return fromCwd.resolve(id);
    try {
      return fromCwd.resolve(id);
    } catch {
      return require.resolve(id);
    }
  };
}

/** How third-party modules are loaded: in worker threads (default) or, for debugging, in this process. */
export interface PluginLoadOptions {
  /** Run third-party plugins on the caller's thread (default: `METALLBTS_PLUGIN_IN_PROCESS=1`, or a `requireFn` given). */
  inProcess?: boolean;
  isolation?: Partial<IsolationOptions>;
  /** module → protocol the operator declared: a module that fails to load still stands for it (its pools fail). */
  declared?: Map<string, string>;
  logger?: Logger;
  /** When set, a module that cannot be loaded is reported here and left out instead of failing the whole load. */
  onLoadError?: (module: string, err: Error) => void;
}

/** The built-in plugins plus the third-party modules named, remembering which module gave which protocol. */
export function loadPlugins(extraModules: string[] = [], requireFn?: (id: string) => unknown, opts: PluginLoadOptions = {}): LoadedPlugins {
  const registry = new PluginRegistry();
  registry.register(layer2Plugin);
  registry.register(bgpPlugin);
  const protocolOfModule = new Map<string, string>();
  const inProcess = opts.inProcess ?? (requireFn !== undefined || process.env.METALLBTS_PLUGIN_IN_PROCESS === '1');
  const isolation = { ...isolationFromEnv(), ...opts.isolation };
  const where = pluginResolve();
  for (const m of extraModules) {
    try {
      if (inProcess) {
        protocolOfModule.set(m, registry.loadModule(m, requireFn ?? pluginRequire()).protocol);
        continue;
      }
      let path: string;
      try {
        path = where(m);
      } catch (err) {
        throw new PluginLoadError(`cannot load plugin module "${m}": ${(err as Error).message}`);
      }
      const plugin = isolatedPlugin(path, { ...isolation, declaredProtocol: opts.declared?.get(m), logger: opts.logger });
      registry.register(plugin);
      protocolOfModule.set(m, plugin.protocol);
    } catch (err) {
      if (!opts.onLoadError) throw err;
      opts.onLoadError(m, err as Error);
    }
  }
  return { registry, protocolOfModule };
}

/** A registry holding the built-in plugins plus any third-party modules named. */
export function createPluginRegistry(extraModules: string[] = [], opts: PluginLoadOptions = {}): PluginRegistry {
  return loadPlugins(extraModules, undefined, opts).registry;
}
