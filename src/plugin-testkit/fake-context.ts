// A PluginContext that records what a plugin does with it (log lines, Events, status objects, resyncs) for assertions.
import pino from 'pino';
import { Registry } from 'prom-client';
import {
  serviceKeyString,
  type ClusterView,
  type EventRecorder,
  type Logger,
  type NodeView,
  type PluginContext,
  type ServiceKey,
  type ServiceStatusPublisher,
} from '../core/plugin-api';
import { FakeCluster, makeNode } from './fake-cluster';

/** Options of {@link createFakeContext}; all optional. */
export interface FakeContextOptions {
  /** The speaker's node (default `node-a`). */
  nodeName?: string;
  /** Bound on the logger as `protocol`, as the speaker does (default `plugin`). */
  protocol?: string;
  /** `ctx.options`: the plugin's settings from the speaker's values. */
  options?: Record<string, unknown>;
  /** `ctx.secret(name, key)` answers from here: `{ [secretName]: { [key]: value } }`. */
  secrets?: Record<string, Record<string, string>>;
  /** Initial nodes of the cluster view (default: just `nodeName`). */
  nodes?: NodeView[];
  /** Logger level (default `trace`: everything is captured). */
  logLevel?: pino.LevelWithSilent;
  /** The metrics registry (default a new prom-client `Registry`). */
  metrics?: Registry;
}

/** One captured log line: the JSON object the plugin's logger wrote (`level`, `msg`, `event`, `protocol`, ...). */
export type LogLine = Record<string, unknown> & { level: string; msg?: string };

/** One Kubernetes Event the plugin recorded through `ctx.events`. */
export interface RecordedEvent {
  type: 'Normal' | 'Warning';
  /** `namespace/name` of the Service. */
  service: string;
  reason: string;
  message: string;
}

/** One call to `ctx.serviceStatus`. */
export interface StatusCall {
  op: 'set' | 'delete';
  /** `namespace/name` of the Service. */
  service: string;
  status?: Record<string, unknown>;
}

/** A fake `PluginContext` (`ctx`) and everything the plugin did through it. */
export interface FakeContext {
  /** Hand this to `plugin.create(ctx)`. */
  readonly ctx: PluginContext;
  /** Log lines, parsed, in order. */
  readonly logs: LogLine[];
  /** Events in order. */
  readonly events: RecordedEvent[];
  /** Every `serviceStatus` call in order. */
  readonly statusCalls: StatusCall[];
  /** The status objects that exist now, by `namespace/name` (set adds or replaces, delete removes). */
  readonly statuses: Map<string, Record<string, unknown>>;
  /** The reasons given to `requestResync`, in order (its length is the resync count). */
  readonly resyncs: string[];
  /** The names/keys `ctx.secret` was asked for (`name/key`). */
  readonly secretLookups: string[];
  /** The settable cluster view behind `ctx.cluster`. */
  readonly cluster: FakeCluster;
  /** The registry behind `ctx.metrics`. */
  readonly metrics: Registry;
  /** Aborts `ctx.signal` (the speaker does it when it starts shutting down). */
  abort(): void;
  /** Log lines with this `event` key. */
  logsWithEvent(event: string): LogLine[];
  /**
   * From now on, any use of the context (log line, Event, status call, resync, secret lookup, cluster
   * subscription) is also recorded in {@link FakeContext.lateUse}: call it after `shutdown()` resolved.
   */
  seal(): void;
  /** What the plugin did through the context after {@link FakeContext.seal} (e.g. `log info "tick"`). */
  readonly lateUse: string[];
}

/** Builds a fake `PluginContext` that records everything a plugin does with it. */
export function createFakeContext(opts: FakeContextOptions = {}): FakeContext {
  const nodeName = opts.nodeName ?? 'node-a';
  const protocol = opts.protocol ?? 'plugin';
  const abort = new AbortController();
  const metrics = opts.metrics ?? new Registry();
  const cluster = new FakeCluster(opts.nodes ?? [makeNode(nodeName)]);
  const logs: LogLine[] = [];
  const events: RecordedEvent[] = [];
  const statusCalls: StatusCall[] = [];
  const statuses = new Map<string, Record<string, unknown>>();
  const resyncs: string[] = [];
  const secretLookups: string[] = [];
  const lateUse: string[] = [];
  let sealed = false;
  const use = (what: string): void => {
    if (sealed) lateUse.push(what);
  };

  const logger: Logger = pino(
    {
      level: opts.logLevel ?? 'trace',
      messageKey: 'msg',
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      base: undefined,
      formatters: { level: (label) => ({ level: label }) },
    },
    {
      write(line: string): void {
        const parsed = JSON.parse(line) as LogLine;
        logs.push(parsed);
        use(`log ${parsed.level} "${String(parsed.msg ?? '')}"`);
      },
    },
  ).child({ caller: `plugin/${protocol}`, protocol });

  const record = (type: RecordedEvent['type']) => (key: ServiceKey, reason: string, message: string): void => {
    events.push({ type, service: serviceKeyString(key), reason, message });
    use(`event ${type} ${reason}`);
  };
  const recorder: EventRecorder = { normal: record('Normal'), warning: record('Warning') };

  const serviceStatus: ServiceStatusPublisher = {
    set(key, status) {
      const service = serviceKeyString(key);
      statusCalls.push({ op: 'set', service, status });
      statuses.set(service, status);
      use(`serviceStatus.set ${service}`);
    },
    delete(key) {
      const service = serviceKeyString(key);
      statusCalls.push({ op: 'delete', service });
      statuses.delete(service);
      use(`serviceStatus.delete ${service}`);
    },
  };

  // The plugin's view of the cluster: reads pass through, subscriptions are also checked against `seal()`.
  const clusterView: ClusterView = {
    node: (name) => cluster.node(name),
    nodes: () => cluster.nodes(),
    endpoints: (key) => cluster.endpoints(key),
    onChange: (cb) => {
      use('cluster.onChange');
      return cluster.onChange(cb);
    },
  };

  const ctx: PluginContext = {
    nodeName,
    logger,
    metrics,
    cluster: clusterView,
    events: recorder,
    signal: abort.signal,
    requestResync(reason) {
      resyncs.push(reason);
      use(`requestResync "${reason}"`);
    },
    options: opts.options ?? {},
    secret(name, key) {
      secretLookups.push(`${name}/${key}`);
      use(`secret ${name}/${key}`);
      return opts.secrets?.[name]?.[key];
    },
    serviceStatus,
  };

  return {
    ctx,
    logs,
    events,
    statusCalls,
    statuses,
    resyncs,
    secretLookups,
    cluster,
    metrics,
    lateUse,
    abort: () => abort.abort(),
    logsWithEvent: (event) => logs.filter((l) => l.event === event),
    seal: () => {
      sealed = true;
    },
  };
}
