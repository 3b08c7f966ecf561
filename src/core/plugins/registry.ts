// Maps protocol names (and aliases such as `arp`) to announcement plugins; loads third-party modules.
import { PLUGIN_API_VERSION, type AnnouncerPlugin } from '../plugin-api';
import { pickPlugin } from './plugin-module';

export class PluginLoadError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PluginLoadError';
  }
}

export class PluginRegistry {
  private readonly byName = new Map<string, AnnouncerPlugin>();
  private readonly canonicalNames: string[] = [];

  register(plugin: AnnouncerPlugin): void {
    if (plugin.apiVersion !== PLUGIN_API_VERSION) {
      throw new PluginLoadError(
        `plugin "${plugin.protocol}" implements plugin API v${String(plugin.apiVersion)}, this speaker supports v${PLUGIN_API_VERSION}`,
      );
    }
    if (!plugin.protocol || !/^[a-z0-9][a-z0-9-]*$/.test(plugin.protocol)) {
      throw new PluginLoadError(`plugin protocol name "${plugin.protocol}" must be lower-case letters, digits and dashes`);
    }
    for (const name of [plugin.protocol, ...(plugin.aliases ?? [])]) {
      const existing = this.byName.get(name);
      if (existing) {
        throw new PluginLoadError(`protocol "${name}" is already provided by plugin "${existing.protocol}"`);
      }
    }
    for (const name of [plugin.protocol, ...(plugin.aliases ?? [])]) this.byName.set(name, plugin);
    this.canonicalNames.push(plugin.protocol);
  }

  /** The plugin for a protocol name or alias. */
  get(name: string): AnnouncerPlugin | undefined {
    return this.byName.get(name);
  }

  /** Canonical protocol for a name or alias (`arp` → `layer2`). */
  canonical(name: string): string | undefined {
    return this.byName.get(name)?.protocol;
  }

  /** Installed canonical protocol names, in registration order. */
  installed(): string[] {
    return [...this.canonicalNames];
  }

  plugins(): AnnouncerPlugin[] {
    return this.canonicalNames.map((n) => this.byName.get(n) as AnnouncerPlugin);
  }

  /** Loads a third-party plugin module: its default export, `plugin` export, or module itself. */
  loadModule(specifier: string, requireFn: (id: string) => unknown = require): AnnouncerPlugin {
    let mod: unknown;
    try {
      mod = requireFn(specifier);
    } catch (err) {
      throw new PluginLoadError(`cannot load plugin module "${specifier}": ${(err as Error).message}`);
    }
    const candidate = pickPlugin(mod);
    if (!candidate) {
      throw new PluginLoadError(
        `module "${specifier}" exports no announcement plugin (expected an object with protocol, apiVersion and create())`,
      );
    }
    this.register(candidate);
    return candidate;
  }
}
