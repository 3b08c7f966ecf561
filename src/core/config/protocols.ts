// Which announcement protocols are installed, as the config loader needs to know them (names only, no plugin code).

export interface ProtocolCatalog {
  /** Canonical protocol for a name or alias (`arp` → `layer2`); undefined when no plugin provides it. */
  protocols: (name: string) => string | undefined;
  /** Installed canonical names, for messages. */
  installed: string[];
}

/** The built-in plugins' names, for callers without a plugin registry (tests, offline tools). */
const BUILTIN_NAMES = new Map([
  ['layer2', 'layer2'],
  ['arp', 'layer2'],
  ['bgp', 'bgp'],
]);

export const BUILTIN_PROTOCOLS: ProtocolCatalog = {
  protocols: (name) => BUILTIN_NAMES.get(name),
  installed: ['layer2', 'bgp'],
};

export function noPluginMessage(protocol: string, catalog: ProtocolCatalog): string {
  const installed = catalog.installed.length ? catalog.installed.join(', ') : 'none';
  return `protocol ${JSON.stringify(protocol)} has no installed plugin (installed: ${installed})`;
}
