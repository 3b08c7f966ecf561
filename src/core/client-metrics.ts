// MetalLB's metallb_k8s_client_* metrics, one set per registry, shared by the queue, the controller and the speaker.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface ClientMetrics {
  updates: Counter;
  updateErrors: Counter;
  configLoaded: Gauge;
  configStale: Gauge;
}

const byRegistry = new WeakMap<Registry, ClientMetrics>();

/** Same names, help and (no) labels as MetalLB's internal/k8s stats. */
export function clientMetrics(registry: Registry): ClientMetrics {
  let m = byRegistry.get(registry);
  if (m) return m;
  const registers = [registry];
  m = {
    updates: new Counter({ name: 'metallb_k8s_client_updates_total', help: 'Number of k8s object updates that have been processed.', registers }),
    updateErrors: new Counter({ name: 'metallb_k8s_client_update_errors_total', help: 'Number of k8s object updates that failed for some reason.', registers }),
    configLoaded: new Gauge({ name: 'metallb_k8s_client_config_loaded_bool', help: '1 if the MetalLB configuration was successfully loaded at least once.', registers }),
    configStale: new Gauge({ name: 'metallb_k8s_client_config_stale_bool', help: '1 if running on a stale configuration, because the latest config failed to load.', registers }),
  };
  m.configLoaded.set(0);
  m.configStale.set(0);
  byRegistry.set(registry, m);
  return m;
}
