// Which PluginAdvertisements apply to a pool on a node for a Service: the speaker's gate, and a helper plugins reuse.
import type { PluginAdvertisement } from './model';
import { anySelectorMatches } from './selectors';

/**
 * The advertisements (of any protocol; filter first) that select `pool` and whose node and service selectors match.
 * `nodeLabels` undefined (node not known yet) matches only advertisements without node selectors.
 */
export function matchingPluginAdvertisements(
  ads: readonly PluginAdvertisement[],
  pool: string,
  nodeLabels: Record<string, string> | undefined,
  serviceLabels: Record<string, string>,
): PluginAdvertisement[] {
  return ads.filter((ad) => {
    if (!ad.pools.includes(pool)) return false;
    const nodeSelectors = ad.nodeSelectors ?? [];
    if (nodeSelectors.length > 0 && (nodeLabels === undefined || !anySelectorMatches(nodeSelectors, nodeLabels))) return false;
    return anySelectorMatches(ad.serviceSelectors ?? [], serviceLabels);
  });
}

/**
 * Why this node must not announce `pool` with `protocol` for the Service, or undefined when it may. Only a protocol
 * whose pool was claimed by plugin advertisements is gated; layer2 and bgp apply their own advertisements.
 */
export function pluginAdvertisementGate(
  ads: readonly PluginAdvertisement[],
  protocol: string,
  pool: string,
  nodeLabels: Record<string, string> | undefined,
  serviceLabels: Record<string, string>,
): string | undefined {
  const own = ads.filter((a) => a.protocol === protocol && a.pools.includes(pool));
  if (own.length === 0) return undefined;
  if (matchingPluginAdvertisements(own, pool, nodeLabels, serviceLabels).length > 0) return undefined;
  return `no PluginAdvertisement of ${JSON.stringify(protocol)} for pool ${JSON.stringify(pool)} selects this node and Service`;
}
