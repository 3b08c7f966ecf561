// Composition root for plugins: the core never imports plugins/, the CLI wires the built-ins in.
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { PluginRegistry } from '../core/plugins/registry';
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
  // createRequire wants a file name; only its directory matters, the file need not exist.
  const fromCwd = createRequire(join(resolve(cwd), '[metallbts --plugin]'));
  return (id) => {
    if (isAbsolute(id) || /^\.\.?([/\\]|$)/.test(id)) return fromCwd(id);
    let path: string;
    try {
      path = fromCwd.resolve(id);
    } catch {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      return require(id);
    }
    return fromCwd(path);
  };
}

/** The built-in plugins plus the third-party modules named, remembering which module gave which protocol. */
export function loadPlugins(extraModules: string[] = [], requireFn: (id: string) => unknown = pluginRequire()): LoadedPlugins {
  const registry = new PluginRegistry();
  registry.register(layer2Plugin);
  registry.register(bgpPlugin);
  const protocolOfModule = new Map<string, string>();
  for (const m of extraModules) protocolOfModule.set(m, registry.loadModule(m, requireFn).protocol);
  return { registry, protocolOfModule };
}

/** A registry holding the built-in plugins plus any third-party modules named. */
export function createPluginRegistry(extraModules: string[] = []): PluginRegistry {
  return loadPlugins(extraModules).registry;
}
