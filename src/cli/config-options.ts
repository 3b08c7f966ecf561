// Builds config-loader options (installed protocols, plugin validators) from a plugin registry.
import type { LoadOptions } from '../core/config';
import type { PluginRegistry } from '../core/plugins/registry';

export function configOptionsFor(registry: PluginRegistry): LoadOptions {
  const pluginValidators: NonNullable<LoadOptions['pluginValidators']> = {};
  for (const p of registry.plugins()) {
    const validate = p.validate;
    if (validate) pluginValidators[p.protocol] = (view) => validate.call(p, view);
  }
  return { protocols: (name) => registry.canonical(name), installed: registry.installed(), pluginValidators };
}
