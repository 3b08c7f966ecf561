// An Announcer whose plugin runs in a worker thread: cuts hung calls, restarts with backoff, replays state after a restart.
import type { Announcer, Decision, PluginConfigView, PluginContext, PluginStatus, ServiceKey, ServiceView } from '../plugin-api';
import type { Logger } from '../log';
import { keyText, type FromWorker, type MetricInfo } from './isolation-protocol';
import type { IsolationOptions } from './isolation-options';
import { countFailure, ForwardedMetrics, pluginHealthMetrics, type PluginHealthMetrics } from './plugin-health-metrics';
import { PluginCallError, PluginWorkerThread } from './plugin-worker-thread';

/** What the speaker needs beyond `Announcer` to drive an isolated plugin without blocking its own thread. */
export interface IsolatedAnnouncerApi extends Announcer {
  readonly isolated: true;
  /** `shouldAnnounce`, answered asynchronously (a hung plugin does not block the speaker's thread). */
  decide(svc: ServiceView, pool: string): Promise<Decision>;
  /** Why the plugin is down (restarting), or undefined when it runs. */
  downReason(): string | undefined;
}

export function isIsolated(a: Announcer): a is IsolatedAnnouncerApi {
  return (a as Partial<IsolatedAnnouncerApi>).isolated === true;
}

interface Balancer {
  key: ServiceKey;
  ips: string[];
  pool: string;
  svc: ServiceView;
}

export class IsolatedAnnouncer implements IsolatedAnnouncerApi {
  readonly isolated = true as const;
  private worker?: PluginWorkerThread;
  /** The worker being started or running; a failure of any other (older) worker is ignored. */
  private incarnation?: PluginWorkerThread;
  private starting?: Promise<PluginWorkerThread>;
  private down?: { error: PluginCallError; restartAt: number };
  private config?: PluginConfigView;
  private readonly balancers = new Map<string, Balancer>();
  /** Services asked about: their endpoints are pushed to the worker's cluster view on change. */
  private readonly seen = new Map<string, ServiceKey>();
  private consecutiveFailures = 0;
  private upSince = 0;
  private restartTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private retryFailures = 0;
  private readonly heartbeat: NodeJS.Timeout;
  private lastStatus?: PluginStatus;
  /** Secret keys the worker asked for, with the value it last got: a rotation is pushed to it (see poll). */
  private readonly secretsSent = new Map<string, { name: string; key: string; value: string | undefined }>();
  private shut = false;
  private readonly log: Logger;
  private readonly metrics: PluginHealthMetrics;
  private readonly forwarded: ForwardedMetrics;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly module: string,
    private readonly protocol: string,
    private readonly ctx: PluginContext,
    private readonly opts: IsolationOptions,
  ) {
    this.log = ctx.logger;
    this.metrics = pluginHealthMetrics(ctx.metrics);
    this.metrics.up.set({ protocol }, 0);
    this.metrics.failures.inc({ protocol, reason: 'crash' }, 0);
    this.metrics.restarts.inc({ protocol }, 0);
    this.forwarded = new ForwardedMetrics(
      ctx.metrics,
      (name) => (this.worker?.alive ? this.worker.call('metrics', [name], opts.quickTimeoutMs) : Promise.resolve(undefined)),
      (name) => this.log.warn({ event: 'pluginMetricClash', metric: name }, 'plugin metric has the name of a speaker metric; not forwarded'),
    );
    this.unsubscribe = ctx.cluster.onChange(() => this.pushCluster(true));
    ctx.signal.addEventListener('abort', () => (this.shut = true));
    this.heartbeat = setInterval(() => void this.poll(), opts.heartbeatMs);
    this.heartbeat.unref();
    this.starting = this.start(false);
    this.starting.catch(() => undefined);
  }

  downReason(): string | undefined {
    if (!this.down) return undefined;
    const secs = Math.max(0, Math.ceil((this.down.restartAt - Date.now()) / 1000));
    return `${this.down.error.message} (reason ${this.down.error.reason}; restarting in ${secs} s)`;
  }

  async setConfig(cfg: PluginConfigView): Promise<void> {
    this.config = cfg;
    const w = await this.running();
    try {
      await w.call('setConfig', [cfg], this.opts.callTimeoutMs);
    } catch (err) {
      // A rejected setConfig leaves the plugin in an unknown state: restart it, it gets the config again.
      this.fault(asCallError(err), w);
      throw err;
    }
  }

  async decide(svc: ServiceView, pool: string): Promise<Decision> {
    const w = await this.running();
    this.pushEndpoints(svc);
    return (await this.guard(() => w.call('shouldAnnounce', [svc, pool], this.opts.quickTimeoutMs))) as Decision;
  }

  shouldAnnounce(svc: ServiceView, pool: string): Decision {
    const w = this.worker;
    if (!w?.alive || this.down) throw new PluginCallError(this.downReason() ?? `plugin "${this.protocol}" is starting`, 'crash');
    this.pushEndpoints(svc);
    try {
      return w.callSync('shouldAnnounce', [svc, pool], this.opts.quickTimeoutMs) as Decision;
    } catch (err) {
      this.callFailed(asCallError(err));
      throw err;
    }
  }

  async setBalancer(key: ServiceKey, ips: string[], pool: string, svc: ServiceView): Promise<void> {
    const w = await this.running();
    this.pushEndpoints(svc);
    await this.guard(() => w.call('setBalancer', [plain(key), ips, pool, svc], this.opts.callTimeoutMs));
    this.balancers.set(keyText(key), { key: plain(key), ips: [...ips], pool, svc });
  }

  async deleteBalancer(key: ServiceKey): Promise<void> {
    // Forgotten first: a plugin restarted later is not told about it again.
    this.balancers.delete(keyText(key));
    const w = await this.running();
    await this.guard(() => w.call('deleteBalancer', [plain(key)], this.opts.callTimeoutMs));
  }

  status(): PluginStatus {
    const down = this.downReason();
    if (down) return { healthy: false, message: down };
    if (!this.worker?.alive) return { healthy: false, message: `plugin "${this.protocol}" is starting` };
    return this.lastStatus ?? { healthy: true };
  }

  async shutdown(): Promise<void> {
    this.shut = true;
    clearInterval(this.heartbeat);
    clearTimeout(this.restartTimer);
    clearTimeout(this.retryTimer);
    this.unsubscribe();
    const w = this.worker?.alive ? this.worker : await this.starting?.catch(() => undefined);
    if (!w) return;
    try {
      await w.call('shutdown', [], this.opts.callTimeoutMs);
    } finally {
      this.metrics.up.set({ protocol: this.protocol }, 0);
      await w.stop();
    }
  }

  /** The running worker; while it (re)starts, waits for it; while down, fails at once with why. */
  private async running(): Promise<PluginWorkerThread> {
    if (this.worker?.alive && !this.down) return this.worker;
    if (this.starting) return this.starting;
    throw new PluginCallError(this.downReason() ?? `plugin "${this.protocol}" is not running`, 'crash');
  }

  /** Runs a call; a throw/reject is counted and retried later by a resync; a dead worker is handled by `fault`. */
  private async guard(fn: () => Promise<unknown>): Promise<unknown> {
    try {
      const v = await fn();
      this.retryFailures = 0;
      return v;
    } catch (err) {
      this.callFailed(asCallError(err));
      throw err;
    }
  }

  private callFailed(err: PluginCallError): void {
    if (err.reason !== 'rejected') return; // the worker ended: fault() counts and restarts
    countFailure(this.metrics, this.protocol, 'rejected');
    if (this.retryTimer || this.shut) return;
    const delay = this.backoff(this.retryFailures++);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (!this.shut) this.ctx.requestResync(`retry after plugin "${this.protocol}" error`);
    }, delay);
    this.retryTimer.unref();
  }

  private async start(restart: boolean): Promise<PluginWorkerThread> {
    const w = new PluginWorkerThread({
      module: this.module,
      label: `"${this.protocol}"`,
      nodeName: this.ctx.nodeName,
      options: this.ctx.options,
      maxOldGenerationSizeMb: this.opts.maxOldGenerationSizeMb,
    });
    this.incarnation = w;
    w.onMessage = (m) => this.receive(m, w);
    w.onFailure = (err) => this.fault(err, w);
    try {
      await withTimeout(w.ready, this.opts.loadTimeoutMs, () => new PluginCallError(`plugin "${this.protocol}" did not finish loading within ${this.opts.loadTimeoutMs} ms`, 'timeout'));
      this.pushCluster(false, w);
      await w.call('create', [], this.opts.callTimeoutMs);
      // After a restart the plugin gets everything again: its config, then every balancer it had.
      if (restart && this.config) await w.call('setConfig', [this.config], this.opts.callTimeoutMs);
      for (const b of this.balancers.values()) await w.call('setBalancer', [b.key, b.ips, b.pool, b.svc], this.opts.callTimeoutMs);
    } catch (err) {
      this.fault(asCallError(err), w);
      throw err;
    }
    this.worker = w;
    this.starting = undefined;
    this.down = undefined;
    this.upSince = Date.now();
    this.metrics.up.set({ protocol: this.protocol }, 1);
    void this.poll();
    if (restart) {
      this.metrics.restarts.inc({ protocol: this.protocol });
      this.log.info({ event: 'pluginRecovered', protocol: this.protocol, balancers: this.balancers.size }, 'announcement plugin restarted and got its config and balancers again');
      this.ctx.requestResync(`plugin "${this.protocol}" restarted`);
    }
    return w;
  }

  /** The worker failed (or must be replaced): count it, tell operators, restart after a backoff. */
  private fault(err: PluginCallError, w: PluginWorkerThread): void {
    if (this.shut || this.incarnation !== w) return;
    this.incarnation = undefined;
    this.starting = undefined;
    if (w.alive) void w.stop();
    if (this.upSince && Date.now() - this.upSince > this.opts.backoffMaxMs) this.consecutiveFailures = 0;
    this.upSince = 0;
    const delay = this.backoff(this.consecutiveFailures++);
    this.down = { error: err, restartAt: Date.now() + delay };
    this.worker = undefined;
    this.lastStatus = undefined;
    countFailure(this.metrics, this.protocol, err.reason);
    this.metrics.up.set({ protocol: this.protocol }, 0);
    this.log.error({ event: 'pluginFailed', protocol: this.protocol, reason: err.reason, error: err.message, restartInMs: delay }, 'announcement plugin failed; its pools are not announced until it restarts');
    const msg = `announcement plugin "${this.protocol}" failed (${err.reason}): ${err.message}; restarting in ${Math.ceil(delay / 1000)} s`;
    for (const b of this.balancers.values()) this.ctx.events.warning(b.svc, 'PluginFailed', msg);
    clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      if (this.shut) return;
      this.starting = this.start(true);
      this.starting.catch(() => undefined);
    }, delay);
    this.restartTimer.unref();
  }

  private backoff(n: number): number {
    return Math.min(this.opts.backoffMaxMs, this.opts.backoffInitialMs * 2 ** Math.min(n, 20));
  }

  /** Heartbeat: the plugin's status and metric names; no answer in time ends the worker (a hang outside any call). */
  private async poll(): Promise<void> {
    const w = this.worker;
    if (!w?.alive || this.down) return;
    this.pushChangedSecrets(w);
    try {
      const r = (await w.call('status', [], this.opts.quickTimeoutMs)) as { status: PluginStatus; metrics: MetricInfo[] };
      this.lastStatus = r.status;
      this.forwarded.add(r.metrics);
    } catch (err) {
      const e = asCallError(err);
      if (e.reason === 'rejected') this.lastStatus = { healthy: false, message: `status() failed: ${e.message}` };
    }
  }

  /** The worker caches what `ctx.secret` returned (the call is synchronous): it is told when a value changed. */
  private pushChangedSecrets(w: PluginWorkerThread): void {
    for (const s of this.secretsSent.values()) {
      const value = this.ctx.secret(s.name, s.key);
      if (value === s.value) continue;
      s.value = value;
      w.post({ t: 'secret', name: s.name, key: s.key, value });
    }
  }

  private receive(m: FromWorker, w: PluginWorkerThread): void {
    switch (m.t) {
      case 'log':
        return this.relayLog(m.line);
      case 'event':
        return m.kind === 'warning' ? this.ctx.events.warning(m.key, m.reason, m.message) : this.ctx.events.normal(m.key, m.reason, m.message);
      case 'serviceStatus':
        return m.op === 'set' ? this.ctx.serviceStatus.set(m.key, m.status ?? {}) : this.ctx.serviceStatus.delete(m.key);
      case 'resync':
        return this.ctx.requestResync(m.reason);
      case 'secretWanted': {
        const value = this.ctx.secret(m.name, m.key);
        this.secretsSent.set(`${m.name}\u0000${m.key}`, { name: m.name, key: m.key, value });
        w.post({ t: 'secret', name: m.name, key: m.key, value });
        if (value !== undefined) this.ctx.requestResync(`plugin "${this.protocol}" got secret ${m.name}`);
        return;
      }
      default:
        return;
    }
  }

  /** A JSON line from the worker's logger, logged again through the speaker's (node, protocol, caller bound). */
  private relayLog(line: string): void {
    let obj: Record<string, unknown>;
    try {
      obj = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    const { level, msg, ...rest } = obj;
    const fn = typeof level === 'string' && ['trace', 'debug', 'info', 'warn', 'error', 'fatal'].includes(level) ? (level as 'info') : 'info';
    this.log[fn](rest, typeof msg === 'string' ? msg : '');
  }

  private pushEndpoints(svc: ServiceKey): void {
    const k = keyText(svc);
    this.seen.set(k, plain(svc));
    this.worker?.post({ t: 'cluster', endpoints: [[k, this.ctx.cluster.endpoints(svc)]], changed: false });
  }

  private pushCluster(changed: boolean, w = this.worker): void {
    const endpoints = [...this.seen].map(([k, key]): [string, ReturnType<PluginContext['cluster']['endpoints']>] => [k, this.ctx.cluster.endpoints(key)]);
    w?.post({ t: 'cluster', nodes: this.ctx.cluster.nodes(), endpoints, changed });
  }
}

function plain(k: ServiceKey): ServiceKey {
  return { namespace: k.namespace, name: k.name };
}

function asCallError(err: unknown): PluginCallError {
  return err instanceof PluginCallError ? err : new PluginCallError(err instanceof Error ? err.message : String(err), 'rejected');
}

function withTimeout<T>(p: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(error()), ms);
    }),
  ]);
}
