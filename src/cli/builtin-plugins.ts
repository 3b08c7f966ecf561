// Composition root for plugins: the core never imports plugins/, the CLI wires the built-ins in.
import { PluginRegistry } from '../core/plugins/registry';
import { layer2Plugin } from '../../plugins/layer2';
import { bgpPlugin } from '../../plugins/bgp';

/** The registry and, for each third-party module loaded, the protocol it registered. */
export interface LoadedPlugins {
  registry: PluginRegistry;
  protocolOfModule: Map<string, string>;
}

/** The built-in plugins plus the third-party modules named, remembering which module gave which protocol. */
export function loadPlugins(extraModules: string[] = []): LoadedPlugins {
  const registry = new PluginRegistry();
  registry.register(layer2Plugin);
  registry.register(bgpPlugin);
  const protocolOfModule = new Map<string, string>();
  for (const m of extraModules) protocolOfModule.set(m, registry.loadModule(m).protocol);
  return { registry, protocolOfModule };
}

/** A registry holding the built-in plugins plus any third-party modules named. */
export function createPluginRegistry(extraModules: string[] = []): PluginRegistry {
  return loadPlugins(extraModules).registry;
}
