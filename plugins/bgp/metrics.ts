// MetalLB's BGP session metrics, registered once per prom-client Registry and shared by all sessions.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface BgpMetrics {
  sessionUp: Gauge<'peer'>;
  updates: Counter<'peer'>;
  announced: Gauge<'peer'>;
  pending: Gauge<'peer'>;
}

const cache = new WeakMap<Registry, BgpMetrics>();

function gauge(registry: Registry, name: string, help: string): Gauge<'peer'> {
  const existing = registry.getSingleMetric(name);
  if (existing) return existing as Gauge<'peer'>;
  return new Gauge({ name, help, labelNames: ['peer'], registers: [registry] });
}

export function bgpMetrics(registry: Registry): BgpMetrics {
  let m = cache.get(registry);
  if (m) return m;
  const existing = registry.getSingleMetric('metallb_bgp_updates_total') as Counter<'peer'> | undefined;
  m = {
    sessionUp: gauge(registry, 'metallb_bgp_session_up', 'BGP session state (1 is up, 0 is down)'),
    updates: existing ?? new Counter({ name: 'metallb_bgp_updates_total', help: 'Number of BGP UPDATE messages sent', labelNames: ['peer'], registers: [registry] }),
    announced: gauge(registry, 'metallb_bgp_announced_prefixes_total', 'Number of prefixes currently being advertised on the BGP session'),
    pending: gauge(registry, 'metallb_bgp_pending_prefixes_total', 'Number of prefixes that should be advertised on the BGP session'),
  };
  cache.set(registry, m);
  return m;
}
