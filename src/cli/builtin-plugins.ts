// Composition root for plugins: the core never imports plugins/, the CLI wires the built-ins in.
import { PluginRegistry } from '../core/plugins/registry';
import { layer2Plugin } from '../../plugins/layer2';
import { bgpPlugin } from '../../plugins/bgp';

/** A registry holding the built-in plugins plus any third-party modules named. */
export function createPluginRegistry(extraModules: string[] = []): PluginRegistry {
  const registry = new PluginRegistry();
  registry.register(layer2Plugin);
  registry.register(bgpPlugin);
  for (const m of extraModules) registry.loadModule(m);
  return registry;
}
