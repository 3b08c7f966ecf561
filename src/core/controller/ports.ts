// What the controller loop needs from the allocator and from Kubernetes, as narrow interfaces.
import type { Pool } from '../config/model';
import type { ServiceKey, ServiceView } from '../service';

export type AllocationOutcome = { ok: true; ips: string[]; pool: string } | { ok: false; reason: string };

export interface AllocatorPort {
  /** Replaces the pools; existing allocations are re-attributed, those whose IPs left every pool are dropped. */
  setPools(pools: Pool[]): void;
  /** Keeps the Service's valid existing IPs, else allocates; idempotent. */
  assign(svc: ServiceView): AllocationOutcome;
  release(key: ServiceKey): void;
  /** Pool names with (in use, total) counts for metrics. */
  usage(): Array<{ pool: string; inUse: number; total: number }>;
}

export interface ServiceStatusWriter {
  /** Writes status.loadBalancer.ingress and the `metallb.io/ip-allocated-from-pool` annotation (pool undefined = remove). */
  writeStatus(svc: ServiceView, ips: string[], pool: string | undefined): Promise<void>;
}

export interface ControllerEvents {
  normal(key: ServiceKey, reason: string, message: string): void;
  warning(key: ServiceKey, reason: string, message: string): void;
}

/** Where the controller reports whether the configuration is valid (a status object, e.g. ConfigurationState). */
export interface ConfigStatusSink {
  report(state: { valid: boolean; errors: string[] }): Promise<void>;
}
