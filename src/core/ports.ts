// What the controller loop needs from Kubernetes, as narrow interfaces the k8s adapters implement (fakes in unit tests).
import type { ServiceKey, ServiceView } from './service';

export interface ServiceStatusWriter {
  /** Writes status.loadBalancer.ingress and the `metallb.io/ip-allocated-from-pool` annotation (pool undefined = remove). */
  writeStatus(svc: ServiceView, ips: string[], pool: string | undefined): Promise<void>;
}

export interface ControllerEvents {
  normal(key: ServiceKey, reason: string, message: string): void;
  warning(key: ServiceKey, reason: string, message: string): void;
}

/** Where the controller reports whether the configuration is valid (a status object, e.g. ConfigurationState). */
export type { ComponentStateSink as ConfigStatusSink } from './component-state';

/** IPAddressPool status counters, as MetalLB writes them. */
export interface PoolCounters {
  assignedIPv4: number;
  assignedIPv6: number;
  availableIPv4: number;
  availableIPv6: number;
}

/** Where the controller publishes per-pool counters (the IPAddressPool status); writes may be coalesced. */
export interface PoolStatusSink {
  update(pool: string, counters: PoolCounters): void;
}
