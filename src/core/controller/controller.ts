// The controller loop: configuration → allocator → Service status, with MetalLB's events and metrics.
import { type Counter, Gauge, type Registry } from 'prom-client';
import { clientMetrics } from '../client-metrics';
import { conditionGauge, newlyFalse, setConditionGauge, type StateCondition } from '../component-state';
import { ConfigAcceptance } from '../config/acceptance';
import type { LoadResult } from '../config/load';
import type { Config } from '../config/model';
import { KeyedQueue } from '../keyed-queue';
import type { Logger } from '../log';
import { ANNOTATION, metallbAnnotation, serviceKeyString, type ServiceKey, type ServiceView } from '../service';
import type { Allocator, Assigned } from '../ipam/allocator';
import { managedBy } from '../ipam/service-request';
import type { Result } from '../ipam/allocation-error';
import type { ConfigStatusSink, ControllerEvents, PoolStatusSink, ServiceStatusWriter } from '../ports';

export interface ControllerDeps {
  allocator: Allocator;
  status: ServiceStatusWriter;
  events: ControllerEvents;
  configStatus?: ConfigStatusSink;
  /** Debounce for republishing conditions after Services change (default 1 s). */
  statePublishMs?: number;
  /** IPAddressPool status counters (pools defined by IPAddressPool objects only). */
  poolStatus?: PoolStatusSink;
  logger: Logger;
  metrics: Registry;
  /** `--lb-class`: with none, only Services without a class are ours. */
  loadBalancerClass?: string;
  /** Runs retries in the same serial order as watch events (default: directly). */
  runExclusive?: (job: () => Promise<void>) => Promise<void>;
  /**
   * Status writes in flight at once (default 1: each reconcile waits for its write). Allocation
   * stays serial; only the API round trips overlap, in order per Service.
   */
  writeConcurrency?: number;
}

export class Controller {
  private config?: Config;
  private synced = false;
  private readonly services = new Map<string, ServiceView>();
  /** Status writes: one Service's in order, `writeConcurrency` Services at once. */
  private readonly writes: KeyedQueue;
  /** Services whose last reconcile failed (API error): retried with backoff. */
  private readonly retries = new Map<string, { attempt: number; timer: NodeJS.Timeout }>();
  private readonly log: Logger;
  private readonly acceptance: ConfigAcceptance;
  private readonly updateErrors: Counter;
  private readonly inUse: Gauge<'pool'>;
  private readonly total: Gauge<'pool'>;
  private readonly conditionGauge: Gauge<'type'>;
  /** Services whose allocation failed, with the allocator's reason (ServicesAllocated condition). */
  private readonly failures = new Map<string, string>();
  private publishedConditions?: StateCondition[];
  private lastStateText = '';
  private stateTimer?: NodeJS.Timeout;
  private statePublishing: Promise<void> = Promise.resolve();

  constructor(private readonly deps: ControllerDeps) {
    this.log = deps.logger.child({ caller: 'controller' });
    const registers = [deps.metrics];
    const client = clientMetrics(deps.metrics);
    this.acceptance = new ConfigAcceptance(this.log, deps.metrics);
    this.writes = new KeyedQueue(deps.writeConcurrency ?? 1);
    this.updateErrors = client.updateErrors;
    this.inUse = new Gauge({ name: 'metallb_allocator_addresses_in_use_total', help: 'Number of IP addresses in use, per pool', labelNames: ['pool'], registers });
    this.total = new Gauge({ name: 'metallb_allocator_addresses_total', help: 'Number of usable IP addresses, per pool', labelNames: ['pool'], registers });
    this.conditionGauge = conditionGauge(deps.metrics);
  }

  /** The configuration currently in force (the last valid one). */
  currentConfig(): Config | undefined {
    return this.config;
  }

  /**
   * A new configuration arrived. With errors it is rejected: the last good one stays in force.
   * Returns whether it was applied.
   */
  async setConfig(result: LoadResult): Promise<boolean> {
    const accepted = this.acceptance.offer(result);
    if (!accepted) {
      await this.publishState(true);
      return false;
    }
    this.config = accepted;
    this.deps.allocator.setPools(accepted.pools);
    this.updateUsage();
    if (this.synced) await this.reconcileAll();
    await this.publishState(true);
    return true;
  }

  /**
   * Initial full sync: every existing Service is known before any is reconciled, and Services that
   * already hold IPs are handled first, so a restart reclaims them before allocating anything new.
   */
  async initialSync(services: ServiceView[]): Promise<void> {
    for (const s of services) this.services.set(serviceKeyString(s), s);
    this.synced = true;
    if (this.config) await this.reconcileAll();
  }

  /** Number of Services known (for readiness and logs). */
  serviceCount(): number {
    return this.services.size;
  }

  async upsertService(svc: ServiceView): Promise<void> {
    this.services.set(serviceKeyString(svc), svc);
    if (this.synced && this.config) await this.reconcileSafely(svc);
  }

  async deleteService(key: ServiceKey): Promise<void> {
    this.services.delete(serviceKeyString(key));
    this.failures.delete(serviceKeyString(key));
    this.deps.allocator.release(key);
    this.log.info({ event: 'serviceDeleted', service: serviceKeyString(key) }, 'service deleted, IP released');
    this.updateUsage();
  }

  private async reconcileAll(): Promise<void> {
    const all = [...this.services.values()].sort((a, b) => serviceKeyString(a).localeCompare(serviceKeyString(b)));
    // restore() lets every Service keep its valid status IPs before anything new is allocated.
    const results = this.deps.allocator.restore(all.filter((s) => this.ours(s)));
    for (const svc of all) await this.reconcileSafely(svc, results.get(serviceKeyString(svc)));
  }

  /** One Service's failure (API error) must not stop the others; it is retried on its next event or resync. */
  private async reconcileSafely(svc: ServiceView, precomputed?: Result<Assigned>): Promise<void> {
    const key = serviceKeyString(svc);
    try {
      await this.reconcile(svc, precomputed);
      const r = this.retries.get(key);
      if (r) {
        clearTimeout(r.timer);
        this.retries.delete(key);
      }
    } catch (err) {
      this.scheduleRetry(key, err);
    }
  }

  private scheduleRetry(key: string, err: unknown): void {
    this.updateErrors.inc();
    const attempt = (this.retries.get(key)?.attempt ?? 0) + 1;
    const delay = Math.min(1000 * 2 ** (attempt - 1), 30_000);
    this.log.error({ event: 'reconcileFailed', service: key, error: (err as Error).message, retryInMs: delay }, 'service reconcile failed; will retry');
    clearTimeout(this.retries.get(key)?.timer);
    const timer = setTimeout(() => {
      const latest = this.services.get(key);
      const run = this.deps.runExclusive ?? ((job) => job());
      if (latest && this.config) void run(() => this.reconcileSafely(latest));
      else this.retries.delete(key);
    }, delay);
    timer.unref();
    this.retries.set(key, { attempt, timer });
  }

  /** Stops pending retries (shutdown). */
  stop(): void {
    if (this.stateTimer) clearTimeout(this.stateTimer);
    for (const r of this.retries.values()) clearTimeout(r.timer);
    this.retries.clear();
  }

  private ours(svc: ServiceView): boolean {
    return managedBy(svc, this.deps.loadBalancerClass).managed;
  }


  private async reconcile(svc: ServiceView, precomputed?: Result<Assigned>): Promise<void> {
    const key = serviceKeyString(svc);
    if (!this.ours(svc)) {
      this.failures.delete(key);
      this.deps.allocator.release(svc);
      // A Service that stopped being a LoadBalancer (ours) must not keep advertising our IP in its status.
      if (svc.type !== 'LoadBalancer' && (svc.ingressIPs.length > 0 || metallbAnnotation(svc, ANNOTATION.ipAllocatedFromPool))) {
        await this.write(svc, [], undefined);
        this.log.info({ event: 'clearAssignment', service: key, reason: 'not a LoadBalancer' }, 'cleared status of a service that is no longer a LoadBalancer');
      }
      this.updateUsage();
      return;
    }
    const result = precomputed ?? this.deps.allocator.assign(svc);
    if (!result.ok) {
      const reason = result.error.message;
      this.log.error({ event: 'allocationFailed', service: key, error: reason }, 'IP allocation failed');
      this.deps.events.warning(svc, 'AllocationFailed', `Failed to allocate IP for "${key}": ${reason}`);
      this.failures.set(key, reason);
      if (svc.ingressIPs.length > 0) await this.write(svc, [], undefined);
      this.updateUsage();
      return;
    }
    const outcome = result.value;
    this.failures.delete(key);
    const samePool = metallbAnnotation(svc, ANNOTATION.ipAllocatedFromPool) === outcome.pool;
    if (sameIps(svc.ingressIPs, outcome.ips) && samePool) {
      this.updateUsage();
      return;
    }
    this.updateUsage();
    await this.write(svc, outcome.ips, outcome.pool, () => {
      this.log.info({ event: 'ipAllocated', service: key, ip: outcome.ips, pool: outcome.pool }, 'IP address assigned by controller');
      this.deps.events.normal(svc, 'IPAllocated', `Assigned IP ${JSON.stringify(outcome.ips)}`);
    });
  }

  /**
   * Records the new status in the cache at once (so the watch echo of our own write is a no-op),
   * then writes it: inline, or queued behind the Service's earlier writes when writes overlap.
   * A failed write restores the cached view and is retried.
   */
  private async write(svc: ServiceView, ips: string[], pool: string | undefined, written?: () => void): Promise<void> {
    const key = serviceKeyString(svc);
    const annotations = { ...svc.annotations };
    delete annotations[`metallb.io/${ANNOTATION.ipAllocatedFromPool}`];
    if (pool) annotations[`metallb.io/${ANNOTATION.ipAllocatedFromPool}`] = pool;
    const next: ServiceView = { ...svc, ingressIPs: ips, annotations };
    this.services.set(key, next);
    const attempt = async (): Promise<void> => {
      try {
        await this.deps.status.writeStatus(svc, ips, pool);
      } catch (err) {
        if (this.services.get(key) === next) this.services.set(key, svc);
        this.log.error({ event: 'statusUpdateFailed', service: key, error: (err as Error).message }, 'failed to update service status');
        throw err;
      }
      written?.();
    };
    const limit = this.deps.writeConcurrency ?? 1;
    if (limit <= 1) return attempt();
    void this.writes.push(key, attempt).catch((err: unknown) => this.scheduleRetry(key, err));
    // Backpressure: a full sync waits while too many writes are queued, bounding the closures and views they hold.
    await this.writes.below(limit * 4);
  }

  /** Resolves when every queued status write has finished (tests, shutdown). */
  async flush(): Promise<void> {
    await this.writes.drain();
  }

  private updateUsage(): void {
    this.schedulePublish();
    this.inUse.reset();
    this.total.reset();
    for (const pool of this.deps.allocator.poolNames()) {
      const st = this.deps.allocator.stats(pool);
      if (!st) continue;
      this.inUse.set({ pool }, st.inUse);
      this.total.set({ pool }, Number(st.total));
    }
    if (!this.deps.poolStatus) return;
    // ConfigMap pools have no object to carry a status; IPAddressPools are located as `IPAddressPool/<name>`.
    for (const pool of this.config?.pools ?? []) {
      if (!pool.source.path.startsWith('IPAddressPool/')) continue;
      const st = this.deps.allocator.stats(pool.name);
      if (!st) continue;
      this.deps.poolStatus.update(pool.name, {
        assignedIPv4: st.assignedIPv4,
        assignedIPv6: st.assignedIPv6,
        availableIPv4: countForStatus(st.availableIPv4),
        availableIPv6: countForStatus(st.availableIPv6),
      });
    }
  }

  private schedulePublish(): void {
    if (this.stateTimer || !this.config) return;
    this.stateTimer = setTimeout(() => {
      this.stateTimer = undefined;
      void this.publishState(false);
    }, this.deps.statePublishMs ?? 1000);
    this.stateTimer.unref();
  }

  /** The controller's conditions: ConfigValid, ServicesAllocated, PoolsAvailable. */
  conditions(): StateCondition[] {
    const valid = this.acceptance.errors().length === 0;
    const failed = [...this.failures.entries()].sort(([a], [b]) => a.localeCompare(b));
    const exhausted = this.deps.allocator.poolNames().filter((p) => {
      const st = this.deps.allocator.stats(p);
      return !!st && st.total > 0n && st.available === 0n;
    });
    return [
      valid
        ? { type: 'ConfigValid', status: this.config ? 'True' : 'Unknown', reason: this.config ? 'Valid' : 'NoConfig', message: this.config ? 'configuration loaded' : 'no configuration loaded yet' }
        : { type: 'ConfigValid', status: 'False', reason: 'Invalid', message: this.acceptance.errors().join('; ') },
      failed.length === 0
        ? { type: 'ServicesAllocated', status: 'True', reason: 'AllAllocated', message: 'every LoadBalancer Service has its IPs' }
        : { type: 'ServicesAllocated', status: 'False', reason: 'AllocationFailed', message: `${failed.length} Service(s) without IP: ${failed.slice(0, 3).map(([k, r]) => `${k}: ${r}`).join('; ')}${failed.length > 3 ? '; ...' : ''}` },
      exhausted.length === 0
        ? { type: 'PoolsAvailable', status: 'True', reason: 'AddressesFree', message: 'every pool has free addresses' }
        : { type: 'PoolsAvailable', status: 'False', reason: 'PoolExhausted', message: `no free address in pool(s) ${exhausted.join(', ')}` },
    ];
  }

  /** Writes the ConfigurationState (always when `force`, else when the conditions changed); never throws. */
  private publishState(force: boolean): Promise<void> {
    this.statePublishing = this.statePublishing.then(async () => {
      const conditions = this.conditions();
      setConditionGauge(this.conditionGauge, conditions);
      const state = { valid: this.acceptance.errors().length === 0, errors: this.acceptance.errors(), conditions };
      const text = JSON.stringify(state);
      if (!force && text === this.lastStateText) return;
      try {
        await this.deps.configStatus?.report(state);
        this.lastStateText = text;
      } catch (err) {
        this.log.warn({ event: 'configStatusFailed', error: (err as Error).message }, 'could not record configuration status');
      }
      for (const c of newlyFalse(this.publishedConditions, conditions)) this.deps.configStatus?.warn?.(c.reason, c.message);
      this.publishedConditions = conditions;
    });
    return this.statePublishing;
  }

}

/** A count as a JSON-safe number: exact up to 2^53-1, saturating above (an IPv6 /64 pool is bigger). */
function countForStatus(n: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  return Number(n > max ? max : n);
}

function sameIps(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((ip, i) => ip === b[i]);
}
