// The conformance suite: drives a plugin through the speaker's lifecycle and reports what breaks the contract.
import { isDeepStrictEqual, inspect } from 'node:util';
import { keyOf, makeConfig, makeConfigView, makePool, makePoolConfigView, makeService, poolAddress } from './builders';
import { createFakeContext, type FakeContext } from './fake-context';
import { ResourceTracker } from './resource-tracker';
import { shapeProblems, validateProblems } from './static-checks';
import type { Announcer, AnnouncerPlugin, Config, NodeView, Pool, PoolConfigView, ServiceView } from '../core/plugin-api';

/** The checks of the suite, in the order they are reported (`describeConformance` makes one test of each). */
export const CONFORMANCE_CHECKS = [
  'plugin shape',
  'validate returns located issues',
  'lifecycle order',
  'idempotent setBalancer',
  'idempotent deleteBalancer',
  'config changes',
  'shutdown releases everything',
  'no unhandled rejections',
] as const;

/** One of {@link CONFORMANCE_CHECKS}. */
export type ConformanceCheckName = (typeof CONFORMANCE_CHECKS)[number];

/** A Service the suite announces, with the pool its IP belongs to. */
export interface ConformanceService {
  /** The Service, with its `ingressIPs` in the pool. */
  service: ServiceView;
  /** The pool its IPs come from. */
  pool: string;
}

/** What `runConformance` needs: the plugin, and whatever makes it announce on a fake node. */
export interface ConformanceOptions {
  /** The plugin under test (what its module exports). */
  plugin: AnnouncerPlugin;
  /** `ctx.options` (the plugin's settings from the speaker's values). */
  options?: Record<string, unknown>;
  /** The speaker's node (default `node-a`). */
  nodeName?: string;
  /** Nodes of the fake cluster view (default: just the speaker's node). */
  nodes?: NodeView[];
  /** `ctx.secret(name, key)` answers: `{ [secretName]: { [key]: value } }`. */
  secrets?: Record<string, Record<string, string>>;
  /**
   * Pools the plugin must accept, announced by its protocol (default two: `conformance-a` and `conformance-b`,
   * each `192.0.2.x/28` + `2001:db8::x/124`). The last one is changed, removed and restored in "config changes".
   */
  pools?: Pool[];
  /** Pools `validate` must reject with at least one located error (e.g. a field your plugin refuses). */
  invalidPools?: Pool[];
  /**
   * Whole views `validate` must reject (e.g. a pool whose PluginAdvertisement has bad `options`):
   * build them with `makePoolConfigView(pool, makeConfig({ pluginAdvertisements: [...] }), protocol)`.
   */
  invalidViews?: PoolConfigView[];
  /** The rest of the configuration around the pools (peers, advertisements, ...). */
  config?: Partial<Config>;
  /** The last pool as changed by "config changes" (default: its first range only, `autoAssign` flipped, a label added). */
  changedPool?: Pool;
  /** Runs on each fresh fake context before `create` (e.g. `fake.cluster.setEndpoints(...)` for the suite's Services). */
  prepare?: (fake: FakeContext) => void;
  /** Services to announce, at least one of which this node announces (default one per pool, on its first IPv4 address). */
  services?: ConformanceService[];
  /**
   * What the plugin has announced, as a plain value the suite compares (deep equality) to prove idempotency:
   * e.g. the routes it programmed. Default: `announcer.status()` and the live `serviceStatus` objects.
   */
  observe?: (announcer: Announcer, fake: FakeContext) => unknown;
  /** After `shutdown`: what the plugin left behind outside the process (routes, files, ...), one line each; empty when clean. */
  cleanupCheck?: (fake: FakeContext) => string[] | Promise<string[]>;
  /** Time limit of each call into the plugin (default 2000 ms): a call that does not settle is a problem. */
  callTimeoutMs?: number;
  /** How long to wait after `shutdown` before looking for open handles and late context use (default 100 ms). */
  settleMs?: number;
  /** Handle types not to report as leaks (e.g. `['MESSAGEPORT']`). */
  ignoreHandleTypes?: string[];
}

/** The result of one check. */
export interface ConformanceCheckResult {
  /** Which check. */
  name: ConformanceCheckName;
  /** True when no problem was found. */
  passed: boolean;
  /** What broke the contract, one sentence each (empty when passed). */
  problems: string[];
}

/** The suite's verdict. */
export interface ConformanceReport {
  /** The plugin's protocol. */
  protocol: string;
  /** True when every check passed. */
  passed: boolean;
  /** Every check of CONFORMANCE_CHECKS, in order. */
  checks: ConformanceCheckResult[];
  /** The calls the suite made into the plugin, in order (for reading a failure). */
  trace: string[];
}

type Outcome<T> = { ok: true; value: T } | { ok: false };

/** Runs the suite once and reports each check; it never throws for a misbehaving plugin (only for bad options). */
export async function runConformance(opts: ConformanceOptions): Promise<ConformanceReport> {
  const run = new SuiteRun(opts);
  return run.execute();
}

/** The report as text: one line per check, its problems indented under it. */
export function formatConformanceReport(report: ConformanceReport): string {
  const lines = [`plugin "${report.protocol}": ${report.passed ? 'conforms' : 'does NOT conform'} to the plugin API`];
  for (const c of report.checks) {
    lines.push(`  ${c.passed ? 'ok  ' : 'FAIL'} ${c.name}`);
    for (const p of c.problems) lines.push(`         - ${p}`);
  }
  return lines.join('\n');
}

/** Throws an Error carrying the formatted report when any check failed. */
export function assertConformance(report: ConformanceReport): void {
  if (!report.passed) throw new Error(formatConformanceReport(report));
}

class SuiteRun {
  private readonly problems = new Map<ConformanceCheckName, string[]>(CONFORMANCE_CHECKS.map((c) => [c, []]));
  private readonly trace: string[] = [];
  private readonly plugin: AnnouncerPlugin;
  private readonly protocol: string;
  private readonly pools: Pool[];
  private readonly limitMs: number;
  private readonly settleMs: number;

  constructor(private readonly opts: ConformanceOptions) {
    this.plugin = opts.plugin;
    this.protocol = typeof opts.plugin?.protocol === 'string' ? opts.plugin.protocol : '(no protocol)';
    this.pools = opts.pools ?? [makePool('conformance-a', this.protocol), makePool('conformance-b', this.protocol, { addresses: ['198.51.100.0/28', '2001:db8:1::/124'] })];
    if (this.pools.length === 0) throw new Error('plugin-testkit: `pools` must name at least one pool the plugin accepts');
    this.limitMs = opts.callTimeoutMs ?? 2000;
    this.settleMs = opts.settleMs ?? 100;
  }

  async execute(): Promise<ConformanceReport> {
    const rejections: unknown[] = [];
    const onRejection = (reason: unknown): void => void rejections.push(reason);
    const onException = (err: unknown): void => void rejections.push(err);
    process.on('unhandledRejection', onRejection);
    process.on('uncaughtException', onException);
    try {
      this.add('plugin shape', ...shapeProblems(this.plugin));
      if (this.problems.get('plugin shape')?.length === 0) {
        const cfg = this.config(this.pools);
        const invalid = [...(this.opts.invalidPools ?? []).map((p) => makePoolConfigView(p, cfg, this.protocol)), ...(this.opts.invalidViews ?? [])];
        this.add('validate returns located issues', ...validateProblems(this.plugin, this.pools.map((p) => makePoolConfigView(p, cfg, this.protocol)), invalid));
        await this.fullLifecycle();
        await this.createThenShutdown();
      } else {
        for (const c of CONFORMANCE_CHECKS.slice(1, -1)) this.add(c, 'not run: the plugin object is malformed (see "plugin shape")');
      }
    } finally {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    }
    for (const r of rejections) this.add('no unhandled rejections', `unhandled: ${describeError(r)}`);
    const checks = CONFORMANCE_CHECKS.map((name) => {
      const problems = this.problems.get(name) ?? [];
      return { name, passed: problems.length === 0, problems };
    });
    return { protocol: this.protocol, passed: checks.every((c) => c.passed), checks, trace: this.trace };
  }

  /** create → setConfig → shouldAnnounce/setBalancer/deleteBalancer → config changes → shutdown, on one instance. */
  private fullLifecycle(): Promise<void> {
    return this.onFreshInstance(async (announcer, fake, tracker) => {
      const call = <T>(check: ConformanceCheckName, label: string, fn: () => T | Promise<T>): Promise<Outcome<T>> => this.call(tracker, check, label, fn);
      const observe = async (): Promise<unknown> => (this.opts.observe ? this.opts.observe(announcer, fake) : { status: announcer.status(), serviceStatuses: Object.fromEntries(fake.statuses) });

      await call('lifecycle order', 'setConfig(initial)', () => announcer.setConfig(makeConfigView(this.protocol, this.config(this.pools))));
      const baseline = await observe();
      const announced: ConformanceService[] = [];
      for (const s of this.services()) {
        const d = await call('lifecycle order', `shouldAnnounce(${s.service.name}, ${s.pool})`, () => announcer.shouldAnnounce(s.service, s.pool));
        if (!d.ok) continue;
        const decision = d.value as unknown as { announce?: unknown; reason?: unknown };
        if (typeof decision !== 'object' || decision === null || typeof decision.announce !== 'boolean' || typeof decision.reason !== 'string' || decision.reason === '') {
          this.add('lifecycle order', `shouldAnnounce must return {announce: boolean, reason: non-empty string}, returned ${inspect(d.value)}`);
        } else {
          this.crossesWorker('lifecycle order', `shouldAnnounce(${s.service.name}, ${s.pool})`, decision);
          if (decision.announce) announced.push(s);
        }
      }
      const firstAnnounced = announced[0];
      const lastAnnounced = announced[announced.length - 1];
      if (!firstAnnounced || !lastAnnounced) {
        const why = 'shouldAnnounce declined every Service, so nothing could be announced: give `services` (and `nodes`) for which this node announces';
        for (const c of ['idempotent setBalancer', 'idempotent deleteBalancer', 'config changes'] as const) this.add(c, why);
      } else {
        await this.announceCycle(announcer, firstAnnounced, call, observe, baseline);
        await this.configChanges(announcer, lastAnnounced, call, observe, baseline);
      }
      const st = await call('lifecycle order', 'status()', () => announcer.status());
      if (st.ok && (typeof st.value !== 'object' || st.value === null || typeof st.value.healthy !== 'boolean')) {
        this.add('lifecycle order', `status() must return {healthy: boolean, ...}, returned ${inspect(st.value)}`);
      } else if (st.ok) this.crossesWorker('lifecycle order', 'status()', st.value);
      for (const c of fake.statusCalls) if (c.status) this.crossesWorker('lifecycle order', `serviceStatus.set(${c.service})`, c.status);
      fake.cluster.notify();
      for (const err of fake.cluster.callbackErrors) this.add('lifecycle order', `a cluster.onChange callback threw: ${describeError(err)}`);
      await this.shutdown(announcer, fake, tracker, '');
    });
  }

  /** setBalancer twice, with other IPs and back, then deleteBalancer twice: the observed state must follow only the last call. */
  private async announceCycle(announcer: Announcer, s: ConformanceService, call: CallFn, observe: () => Promise<unknown>, baseline: unknown): Promise<void> {
    const key = keyOf(s.service);
    const name = `${s.service.namespace}/${s.service.name}`;
    const set = (svc: ServiceView, label: string) => call('idempotent setBalancer', label, () => announcer.setBalancer(keyOf(svc), svc.ingressIPs, s.pool, svc));
    if (!(await set(s.service, `setBalancer(${name})`)).ok) return;
    const once = await observe();
    if ((await set(s.service, `setBalancer(${name}) again`)).ok) this.compare('idempotent setBalancer', 'after a second identical setBalancer', once, await observe());
    const moved = this.withOtherIp(s);
    if (moved && (await set(moved, `setBalancer(${name}, other IP)`)).ok && (await set(s.service, `setBalancer(${name}, IP back)`)).ok) {
      this.compare('idempotent setBalancer', 'after setBalancer with another IP and back', once, await observe());
    }
    if (!(await call('idempotent deleteBalancer', `deleteBalancer(${name})`, () => announcer.deleteBalancer(key))).ok) return;
    this.compare('idempotent deleteBalancer', 'after deleteBalancer (compared with before setBalancer)', baseline, await observe());
    if ((await call('idempotent deleteBalancer', `deleteBalancer(${name}) again`, () => announcer.deleteBalancer(key))).ok) {
      this.compare('idempotent deleteBalancer', 'after a second deleteBalancer (compared with before setBalancer)', baseline, await observe());
    }
  }

  /** Change the last pool, re-announce; remove it, withdraw as the core does; restore it; then an empty config. */
  private async configChanges(announcer: Announcer, s: ConformanceService, call: CallFn, observe: () => Promise<unknown>, baseline: unknown): Promise<void> {
    const check = 'config changes';
    const last = this.pools[this.pools.length - 1];
    if (!last) return;
    const changed = this.opts.changedPool ?? { ...last, ranges: last.ranges.slice(0, 1), autoAssign: !last.autoAssign, labels: { ...last.labels, 'conformance/changed': 'true' } };
    const others = this.pools.slice(0, -1);
    const name = `${s.service.namespace}/${s.service.name}`;
    if (!(await call(check, `setBalancer(${name}) before the change`, () => announcer.setBalancer(keyOf(s.service), s.service.ingressIPs, s.pool, s.service))).ok) return;
    if (!(await call(check, `setConfig(pool "${last.name}" changed)`, () => announcer.setConfig(makeConfigView(this.protocol, this.config([...others, changed]))))).ok) return;
    if (s.pool === last.name && changed.ranges.some((r) => s.service.ingressIPs.every((ip) => inRange(ip, r)))) {
      const d = await call(check, `shouldAnnounce(${name}) after the change`, () => announcer.shouldAnnounce(s.service, s.pool));
      if (d.ok && d.value?.announce) await call(check, `setBalancer(${name}) after the change`, () => announcer.setBalancer(keyOf(s.service), s.service.ingressIPs, s.pool, s.service));
    }
    if (!(await call(check, `setConfig(pool "${last.name}" removed)`, () => announcer.setConfig(makeConfigView(this.protocol, this.config(others))))).ok) return;
    if (!(await call(check, `deleteBalancer(${name}) after its pool was removed`, () => announcer.deleteBalancer(keyOf(s.service)))).ok) return;
    this.compare(check, `after the pool "${last.name}" was removed and ${name} withdrawn (compared with before anything was announced)`, baseline, await observe());
    if (!(await call(check, `setConfig(pool "${last.name}" restored)`, () => announcer.setConfig(makeConfigView(this.protocol, this.config(this.pools))))).ok) return;
    await call(check, `shouldAnnounce(${name}) after the restore`, () => announcer.shouldAnnounce(s.service, s.pool));
    await call(check, 'setConfig(no pools)', () => announcer.setConfig(makeConfigView(this.protocol, this.config([]))));
  }

  /** A second instance, shut down right after `create`: a plugin must release what `create` alone acquired. */
  private createThenShutdown(): Promise<void> {
    return this.onFreshInstance((announcer, fake, tracker) => this.shutdown(announcer, fake, tracker, ' (instance shut down right after create)'));
  }

  /** Runs `use` on a new instance with its own fake context and resource tracker; nothing more when `create` fails. */
  private async onFreshInstance(use: (announcer: Announcer, fake: FakeContext, tracker: ResourceTracker) => Promise<void>): Promise<void> {
    const fake = this.fakeContext();
    const tracker = new ResourceTracker(this.opts.ignoreHandleTypes);
    tracker.start();
    try {
      const announcer = await this.create(fake, tracker);
      if (announcer) await use(announcer, fake, tracker);
    } finally {
      tracker.stop();
    }
  }

  private async create(fake: FakeContext, tracker: ResourceTracker): Promise<Announcer | undefined> {
    const created = await this.call(tracker, 'lifecycle order', 'create(ctx)', () => this.plugin.create(fake.ctx));
    if (!created.ok) return this.skipRest('create() failed');
    const missing = ['setConfig', 'shouldAnnounce', 'setBalancer', 'deleteBalancer', 'status', 'shutdown'].filter(
      (m) => typeof (created.value as unknown as Record<string, unknown> | undefined)?.[m] !== 'function',
    );
    if (missing.length > 0) {
      this.add('lifecycle order', `create() returned an announcer without ${missing.join(', ')}`);
      return this.skipRest('create() returned no complete announcer');
    }
    return created.value;
  }

  private async shutdown(announcer: Announcer, fake: FakeContext, tracker: ResourceTracker, suffix: string): Promise<void> {
    const check = 'shutdown releases everything';
    fake.abort();
    const done = await this.call(tracker, check, `shutdown()${suffix}`, () => announcer.shutdown());
    fake.seal();
    await this.sleep(this.settleMs);
    if (!done.ok) return tracker.stopOpenTimers();
    for (const h of tracker.openHandles()) this.add(check, `still open after shutdown${suffix}: ${h}`);
    tracker.stopOpenTimers();
    if (fake.cluster.subscriberCount > 0) this.add(check, `${fake.cluster.subscriberCount} cluster.onChange subscription(s) left after shutdown${suffix} (call the function onChange returned)`);
    for (const use of fake.lateUse) this.add(check, `used the context after shutdown${suffix}: ${use}`);
    if (this.opts.cleanupCheck) {
      try {
        for (const left of await this.opts.cleanupCheck(fake)) this.add(check, `left behind after shutdown${suffix}: ${left}`);
      } catch (err) {
        this.add(check, `cleanupCheck threw: ${describeError(err)}`);
      }
    }
  }

  /** One call into the plugin, attributed to `check`: its handles are tracked, a throw or a hang becomes a problem. */
  private async call<T>(tracker: ResourceTracker, check: ConformanceCheckName, label: string, fn: () => T | Promise<T>): Promise<Outcome<T>> {
    this.trace.push(label);
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = tracker.run(fn);
      if (!isThenable(result)) return { ok: true, value: result };
      const expired = new Promise<'expired'>((resolve) => (timer = setTimeout(() => resolve('expired'), this.limitMs)));
      const value = await Promise.race([result, expired]);
      if (value === 'expired') {
        this.add(check, `${label} did not settle within ${this.limitMs} ms`);
        return { ok: false };
      }
      return { ok: true, value: value as T };
    } catch (err) {
      this.add(check, `${label} threw: ${describeError(err)}`);
      return { ok: false };
    } finally {
      clearTimeout(timer);
    }
  }

  private compare(check: ConformanceCheckName, when: string, expected: unknown, actual: unknown): void {
    if (isDeepStrictEqual(expected, actual)) return;
    this.add(check, `observed state differs ${when}: expected ${inspect(expected, { depth: 6, breakLength: Infinity })}, got ${inspect(actual, { depth: 6, breakLength: Infinity })}`);
  }

  /** A third-party plugin runs in a worker thread: what it returns and publishes must survive a structured clone. */
  private crossesWorker(check: ConformanceCheckName, what: string, value: unknown): void {
    try {
      structuredClone(value);
    } catch (err) {
      this.add(check, `${what} returned a value that cannot cross the worker boundary (structured clone: plain data only): ${describeError(err)}`);
    }
  }

  private skipRest(why: string): undefined {
    for (const c of ['idempotent setBalancer', 'idempotent deleteBalancer', 'config changes', 'shutdown releases everything'] as const) {
      if (this.problems.get(c)?.length === 0) this.add(c, `not run: ${why}`);
    }
    return undefined;
  }

  private add(check: ConformanceCheckName, ...problems: string[]): void {
    this.problems.get(check)?.push(...problems);
  }

  private fakeContext(): FakeContext {
    const { nodeName, nodes, options, secrets } = this.opts;
    const fake = createFakeContext({ nodeName, nodes, options, secrets, protocol: this.protocol });
    this.opts.prepare?.(fake);
    return fake;
  }

  private config(pools: Pool[]): Config {
    return makeConfig({ ...this.opts.config, pools });
  }

  private services(): ConformanceService[] {
    if (this.opts.services) return this.opts.services;
    return this.pools.filter((p) => p.ranges.some((r) => r.family === 4)).map((p, i) => ({ service: makeService(`conformance/svc-${i}`, [poolAddress(p, 1)]), pool: p.name }));
  }

  /** The Service with another address of its pool (for "setBalancer with changed IPs"), when the pool has one. */
  private withOtherIp(s: ConformanceService): ServiceView | undefined {
    const pool = this.pools.find((p) => p.name === s.pool);
    const ip = s.service.ingressIPs[0];
    if (!pool || ip === undefined) return undefined;
    for (const n of [2, 3]) {
      try {
        const other = poolAddress(pool, n, ip.includes(':') ? 6 : 4);
        if (other !== ip) return { ...s.service, ingressIPs: [other, ...s.service.ingressIPs.slice(1)] };
      } catch {
        return undefined;
      }
    }
    return undefined;
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}

type CallFn = <T>(check: ConformanceCheckName, label: string, fn: () => T | Promise<T>) => Promise<Outcome<T>>;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function inRange(ip: string, r: Pool['ranges'][number]): boolean {
  return makePool('probe', undefined, { addresses: [ip] }).ranges.every((x) => x.family === r.family && x.first >= r.first && x.last <= r.last);
}

function describeError(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : inspect(err);
}
