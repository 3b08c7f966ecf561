// The speaker loop: for each Service with an IP, ask its pool's plugins whether this node announces.
import type { Registry } from 'prom-client';
import { Gauge } from 'prom-client';
import type { Config } from '../config/model';
import type { Logger } from '../log';
import type {
  Announcer,
  ClusterView,
  EventRecorder,
  PluginContext,
  PluginStatus,
  ServiceStatusPublisher,
} from '../plugin-api';
import { pluginConfigView } from '../plugin-api';
import { isIsolated } from '../plugins/isolated-announcer';
import type { PluginRegistry } from '../plugins/registry';
import { serviceKeyString, type ServiceKey, type ServiceView } from '../service';
import { poolForService } from './pool-lookup';
import { pluginAdvertisementGate } from '../config/plugin-advertisement-match';

export interface SpeakerDeps {
  nodeName: string;
  registry: PluginRegistry;
  logger: Logger;
  metrics: Registry;
  cluster: ClusterView;
  events: EventRecorder;
  /** `--lb-class`: with none, only Services without a class are handled. */
  loadBalancerClass?: string;
  pluginOptions?: Record<string, Record<string, unknown>>;
  secret?: (name: string, key: string) => string | undefined;
  /** Per-protocol status-object writer (ServiceL2Status, ServiceBGPStatus); default: none. */
  serviceStatus?: (protocol: string) => ServiceStatusPublisher;
  /** Runs plugin-requested resyncs in the same serial order as watch events (default: directly). */
  runExclusive?: (job: () => Promise<void>) => Promise<void>;
  /** A plugin call that takes longer fails (default 30 s): a hung plugin must not stall the other protocols. */
  pluginCallTimeoutMs?: number;
}

interface Announcement {
  pool: string;
  ips: string[];
}

/** Per-protocol announcer plus whether it failed (a failed plugin's pools are not announced). */
interface PluginSlot {
  announcer?: Announcer;
  failed?: string;
}

const NO_STATUS: ServiceStatusPublisher = { set: () => undefined, delete: () => undefined };

export class Speaker {
  private config?: Config;
  private readonly slots = new Map<string, PluginSlot>();
  private readonly services = new Map<string, ServiceView>();
  /** service key → protocol → what we announce. */
  private readonly announced = new Map<string, Map<string, Announcement>>();
  private readonly abort = new AbortController();
  private readonly announcedGauge: Gauge<'service' | 'protocol' | 'node' | 'ip'>;
  private readonly log: Logger;
  private resyncQueued = false;
  /** "protocol service" pairs already told (Warning event) that their isolated plugin is down; cleared when it is back. */
  private readonly downWarned = new Set<string>();
  private initialSyncDone!: () => void;
  private readonly initialSync = new Promise<void>((resolve) => (this.initialSyncDone = resolve));

  constructor(private readonly deps: SpeakerDeps) {
    this.log = deps.logger.child({ caller: 'speaker' });
    this.announcedGauge = new Gauge({
      name: 'metallb_speaker_announced',
      help: 'Services being announced from this node. This is desired state, it does not guarantee that the routing protocols have converged.',
      labelNames: ['service', 'protocol', 'node', 'ip'],
      registers: [deps.metrics],
    });
  }

  /** Applies an accepted configuration: creates announcers for protocols in use, then re-evaluates everything. */
  async setConfig(config: Config): Promise<void> {
    this.config = config;
    // Announcers whose protocol no pool uses any more still get the config: a bgp announcer must drop its peers.
    const running = [...this.slots].filter(([, s]) => s.announcer).map(([protocol]) => protocol);
    const protocols = new Set([...config.pools.flatMap((p) => p.protocols), ...running]);
    for (const protocol of protocols) {
      const slot = this.slot(protocol);
      if (!slot.announcer) continue;
      try {
        const announcer = slot.announcer;
        await this.call(protocol, 'setConfig', () => announcer.setConfig(pluginConfigView(protocol, config)));
        slot.failed = undefined;
      } catch (err) {
        // An isolated plugin restarts itself and gets the config again; its status says it is down meanwhile.
        if (isIsolated(slot.announcer)) this.log.error({ event: 'pluginFailed', protocol, error: (err as Error).message }, 'announcement plugin failed to take the config; it is restarted');
        else this.markFailed(protocol, slot, err);
      }
    }
    this.log.info({ event: 'configApplied', pools: config.pools.length }, 'config applied to the plugins');
    await this.resyncAll();
  }

  async upsertService(svc: ServiceView): Promise<void> {
    this.services.set(serviceKeyString(svc), svc);
    await this.reconcile(svc);
  }

  async deleteService(key: ServiceKey): Promise<void> {
    this.services.delete(serviceKeyString(key));
    await this.withdrawAll(key, 'service deleted');
  }

  async resyncAll(): Promise<void> {
    for (const svc of [...this.services.values()]) await this.reconcile(svc);
    for (const key of [...this.announced.keys()]) {
      if (!this.services.has(key)) {
        const [namespace = '', name = ''] = key.split('/');
        await this.withdrawAll({ namespace, name }, 'service gone');
      }
    }
  }

  /** The Service as last seen (Events fill a plugin's bare key with its uid from here). */
  service(key: ServiceKey): ServiceView | undefined {
    return this.services.get(serviceKeyString(key));
  }

  /** Protocols and pools currently announced for a Service (for tests and status). */
  announcements(key: ServiceKey): Record<string, Announcement> {
    return Object.fromEntries(this.announced.get(serviceKeyString(key)) ?? []);
  }

  pluginStatus(): Record<string, PluginStatus> {
    const out: Record<string, PluginStatus> = {};
    for (const [protocol, slot] of this.slots) {
      if (slot.failed) out[protocol] = { healthy: false, message: slot.failed };
      else if (slot.announcer) {
        try {
          out[protocol] = slot.announcer.status();
        } catch (err) {
          out[protocol] = { healthy: false, message: (err as Error).message };
        }
      }
    }
    return out;
  }

  /** The initial sync has been applied: plugins' `ctx.initialSync` resolves (bgp sends End-of-RIB). */
  markSynced(): void {
    this.initialSyncDone();
  }

  async shutdown(): Promise<void> {
    this.abort.abort();
    for (const [protocol, slot] of this.slots) {
      try {
        await slot.announcer?.shutdown();
      } catch (err) {
        this.log.error({ event: 'shutdownFailed', protocol, error: (err as Error).message }, 'plugin shutdown failed');
      }
    }
  }

  private async reconcile(svc: ServiceView): Promise<void> {
    const key = serviceKeyString(svc);
    const why = this.ineligible(svc);
    const pool = why || !this.config ? undefined : poolForService(this.config, svc);
    const wanted = new Set(pool?.protocols ?? []);
    const current = this.announced.get(key) ?? new Map<string, Announcement>();
    // Withdraw protocols that no longer apply to this Service.
    for (const protocol of [...current.keys()]) {
      if (!wanted.has(protocol)) await this.withdraw(svc, protocol, why ?? 'pool changed or IP left every pool');
    }
    if (!pool) return;
    for (const protocol of wanted) {
      const slot = this.slot(protocol);
      if (!slot.announcer || slot.failed) continue;
      // PluginAdvertisements' node and service selectors are the core's to apply, so a plugin need not.
      const gated = pluginAdvertisementGate(this.config?.pluginAdvertisements ?? [], protocol, pool.name, this.deps.cluster.node(this.deps.nodeName)?.labels, svc.labels);
      if (gated) {
        if (current.has(protocol)) await this.withdraw(svc, protocol, gated);
        continue;
      }
      const announcer = slot.announcer;
      // A down isolated plugin is skipped: it replays its balancers and asks for a resync when it is back.
      if (isIsolated(announcer)) {
        const down = announcer.downReason();
        const warned = `${protocol} ${key}`;
        if (!down) this.downWarned.delete(warned);
        else {
          if (!this.downWarned.has(warned)) {
            this.downWarned.add(warned);
            this.deps.events.warning(svc, 'PluginFailed', `announcement plugin "${protocol}" is down, the service is not announced with it: ${down}`);
          }
          continue;
        }
      }
      let decision;
      try {
        decision = isIsolated(announcer) ? await announcer.decide(svc, pool.name) : announcer.shouldAnnounce(svc, pool.name);
      } catch (err) {
        this.announceFailed(svc, protocol, err);
        continue;
      }
      if (!decision.announce) {
        if (current.has(protocol)) await this.withdraw(svc, protocol, decision.reason);
        continue;
      }
      const prev = current.get(protocol);
      try {
        await this.call(protocol, 'setBalancer', () => announcer.setBalancer({ namespace: svc.namespace, name: svc.name }, svc.ingressIPs, pool.name, svc));
      } catch (err) {
        this.announceFailed(svc, protocol, err);
        continue;
      }
      const entry = this.announced.get(key) ?? new Map<string, Announcement>();
      entry.set(protocol, { pool: pool.name, ips: [...svc.ingressIPs] });
      this.announced.set(key, entry);
      if (prev) for (const ip of prev.ips) this.announcedGauge.remove(key, protocol, this.deps.nodeName, ip);
      for (const ip of svc.ingressIPs) this.announcedGauge.set({ service: key, protocol, node: this.deps.nodeName, ip }, 1);
      if (!prev || prev.ips.join(',') !== svc.ingressIPs.join(',')) {
        this.log.info(
          { event: 'serviceAnnounced', service: key, ip: svc.ingressIPs, pool: pool.name, protocol, node: this.deps.nodeName },
          'service has IP, announcing',
        );
        this.deps.events.normal(svc, 'nodeAssigned', `announcing from node "${this.deps.nodeName}" with protocol "${protocol}"`);
      }
    }
  }

  /** Runs one plugin call with a time limit; on expiry it fails like a throwing call (the work may still finish later). */
  private async call(protocol: string, op: string, fn: () => Promise<void>): Promise<void> {
    const ms = this.deps.pluginCallTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`plugin "${protocol}" ${op} did not finish within ${ms} ms`)), ms);
    });
    try {
      await Promise.race([fn(), expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  private ineligible(svc: ServiceView): string | undefined {
    if (svc.type !== 'LoadBalancer') return 'not a LoadBalancer service';
    if ((svc.loadBalancerClass ?? undefined) !== this.deps.loadBalancerClass) return 'loadBalancerClass not ours';
    if (svc.ingressIPs.length === 0) return 'no IP allocated';
    return undefined;
  }

  private async withdraw(key: ServiceKey, protocol: string, reason: string): Promise<void> {
    const k = serviceKeyString(key);
    const entry = this.announced.get(k);
    const prev = entry?.get(protocol);
    if (!entry || !prev) return;
    try {
      const announcer = this.slots.get(protocol)?.announcer;
      if (announcer) await this.call(protocol, 'deleteBalancer', () => announcer.deleteBalancer({ namespace: key.namespace, name: key.name }));
    } catch (err) {
      this.log.error({ event: 'withdrawFailed', service: k, protocol, error: (err as Error).message }, 'plugin failed to withdraw');
    }
    entry.delete(protocol);
    if (entry.size === 0) this.announced.delete(k);
    for (const ip of prev.ips) this.announcedGauge.remove(k, protocol, this.deps.nodeName, ip);
    this.log.info({ event: 'serviceWithdrawn', service: k, ip: prev.ips, pool: prev.pool, protocol, node: this.deps.nodeName, reason }, 'withdrawing service announcement');
  }

  private async withdrawAll(key: ServiceKey, reason: string): Promise<void> {
    const entry = this.announced.get(serviceKeyString(key));
    for (const protocol of [...(entry?.keys() ?? [])]) await this.withdraw(key, protocol, reason);
  }

  private announceFailed(svc: ServiceView, protocol: string, err: unknown): void {
    const msg = (err as Error).message ?? String(err);
    this.log.error({ event: 'announceFailed', service: serviceKeyString(svc), protocol, error: msg }, 'failed to announce service');
    this.deps.events.warning(svc, 'announceFailed', `failed to announce service with protocol "${protocol}": ${msg}`);
  }

  private slot(protocol: string): PluginSlot {
    let slot = this.slots.get(protocol);
    if (slot) return slot;
    slot = {};
    this.slots.set(protocol, slot);
    const plugin = this.deps.registry.get(protocol);
    if (!plugin) {
      slot.failed = `no plugin installed for protocol "${protocol}"`;
      return slot;
    }
    try {
      slot.announcer = plugin.create(this.pluginContext(protocol));
    } catch (err) {
      this.markFailed(protocol, slot, err);
    }
    return slot;
  }

  private markFailed(protocol: string, slot: PluginSlot, err: unknown): void {
    slot.failed = (err as Error).message ?? String(err);
    this.log.error({ event: 'pluginFailed', protocol, error: slot.failed }, 'announcement plugin failed; its pools are not announced');
  }

  private pluginContext(protocol: string): PluginContext {
    return {
      nodeName: this.deps.nodeName,
      logger: this.deps.logger.child({ caller: `plugin/${protocol}`, protocol }),
      metrics: this.deps.metrics,
      cluster: this.deps.cluster,
      events: this.deps.events,
      signal: this.abort.signal,
      requestResync: (reason) => this.queueResync(reason),
      options: this.deps.pluginOptions?.[protocol] ?? {},
      secret: (name, key) => this.deps.secret?.(name, key),
      serviceStatus: this.deps.serviceStatus?.(protocol) ?? NO_STATUS,
      initialSync: this.initialSync,
    };
  }

  private queueResync(reason: string): void {
    if (this.resyncQueued) return;
    this.resyncQueued = true;
    setImmediate(() => {
      this.resyncQueued = false;
      this.log.debug({ event: 'resync', reason }, 're-evaluating every service');
      const run = this.deps.runExclusive ?? ((job) => job());
      run(() => this.resyncAll()).catch((err: unknown) =>
        this.log.error({ event: 'resyncFailed', error: (err as Error).message }, 'resync failed'),
      );
    });
  }
}
