// Finds the announcement plugin a module exports: its default export, its `plugin` export, or the module itself.
import type { AnnouncerPlugin } from '../plugin-api';

function isPlugin(v: unknown): v is AnnouncerPlugin {
  if (typeof v !== 'object' || v === null) return false;
  const p = v as Partial<AnnouncerPlugin>;
  return typeof p.protocol === 'string' && typeof p.create === 'function' && p.apiVersion !== undefined;
}

export function pickPlugin(mod: unknown): AnnouncerPlugin | undefined {
  if (isPlugin(mod)) return mod;
  if (typeof mod === 'object' && mod !== null) {
    const m = mod as Record<string, unknown>;
    if (isPlugin(m.default)) return m.default;
    if (isPlugin(m.plugin)) return m.plugin;
  }
  return undefined;
}
