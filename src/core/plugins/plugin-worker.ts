// The worker-thread side of an isolated plugin: imports the module, runs its calls, proxies PluginContext by messages.
import { parentPort, workerData } from 'node:worker_threads';
import pino from 'pino';
import { Registry } from 'prom-client';
import type { Announcer, AnnouncerPlugin, EndpointView, NodeView, PluginContext, ServiceKey } from '../plugin-api';
import { keyText, type CallOp, type FromWorker, type MetricInfo, type PluginWorkerData, type ToWorker } from './isolation-protocol';
import { pickPlugin } from './plugin-module';

const data = workerData as PluginWorkerData;
const port = parentPort;
if (!port) throw new Error('plugin-worker must run in a worker thread');
const post = (m: FromWorker): void => port.postMessage(m);
const syncFlag = new Int32Array(data.syncBuffer);

const nodes = new Map<string, NodeView>();
const endpoints = new Map<string, EndpointView[]>();
const clusterListeners = new Set<() => void>();
const secrets = new Map<string, string | undefined>();
const abort = new AbortController();
const registry = new Registry();

// Lines go to the main thread, which logs them through the speaker's logger (node, protocol, caller bound there).
const logger = pino(
  { level: process.env.METALLBTS_LOG_LEVEL ?? 'info', messageKey: 'msg', base: undefined, timestamp: false, formatters: { level: (label) => ({ level: label }) } },
  { write: (line: string) => post({ t: 'log', line }) },
);

let plugin: AnnouncerPlugin | undefined;
let announcer: Announcer | undefined;

const plainKey = (k: ServiceKey): ServiceKey => ({ namespace: k.namespace, name: k.name });

function context(): PluginContext {
  return {
    nodeName: data.nodeName,
    logger,
    metrics: registry,
    cluster: {
      node: (name) => nodes.get(name),
      nodes: () => [...nodes.values()],
      endpoints: (key) => endpoints.get(keyText(key)) ?? [],
      onChange: (cb) => {
        clusterListeners.add(cb);
        return () => clusterListeners.delete(cb);
      },
    },
    events: {
      normal: (key, reason, message) => post({ t: 'event', kind: 'normal', key: plainKey(key), reason, message }),
      warning: (key, reason, message) => post({ t: 'event', kind: 'warning', key: plainKey(key), reason, message }),
    },
    signal: abort.signal,
    requestResync: (reason) => post({ t: 'resync', reason }),
    options: data.options,
    // Answered from a cache the main thread fills; a first miss asks for it and the answer triggers a resync.
    secret: (name, key) => {
      const id = `${name}\u0000${key}`;
      if (secrets.has(id)) return secrets.get(id);
      secrets.set(id, undefined);
      post({ t: 'secretWanted', name, key });
      return undefined;
    },
    serviceStatus: {
      set: (key, status) => post({ t: 'serviceStatus', op: 'set', key: plainKey(key), status }),
      delete: (key) => post({ t: 'serviceStatus', op: 'delete', key: plainKey(key) }),
    },
  };
}

function needAnnouncer(): Announcer {
  if (!announcer) throw new Error('create() was not called');
  return announcer;
}

function metricInfo(): MetricInfo[] {
  return registry.getMetricsAsArray().map((m) => {
    const x = m as unknown as { name: string; help: string; type?: string };
    return { name: x.name, help: x.help, type: String(x.type ?? 'gauge') };
  });
}

async function run(op: CallOp, args: unknown[]): Promise<unknown> {
  const p = plugin as AnnouncerPlugin;
  switch (op) {
    case 'create':
      announcer = p.create(context());
      return undefined;
    case 'setConfig':
      return needAnnouncer().setConfig(args[0] as Parameters<Announcer['setConfig']>[0]);
    case 'shouldAnnounce':
      return needAnnouncer().shouldAnnounce(args[0] as Parameters<Announcer['shouldAnnounce']>[0], args[1] as string);
    case 'setBalancer':
      return needAnnouncer().setBalancer(...(args as Parameters<Announcer['setBalancer']>));
    case 'deleteBalancer':
      return needAnnouncer().deleteBalancer(args[0] as ServiceKey);
    case 'status':
      return { status: announcer ? announcer.status() : { healthy: true }, metrics: metricInfo() };
    case 'shutdown':
      abort.abort();
      return announcer?.shutdown();
    case 'validate':
      return p.validate ? p.validate(args[0] as Parameters<NonNullable<AnnouncerPlugin['validate']>>[0]) : [];
    case 'metrics':
      return (await registry.getSingleMetric(args[0] as string)?.get()) ?? null;
  }
}

function replySync(m: FromWorker): void {
  data.syncPort.postMessage(m);
  Atomics.store(syncFlag, 0, 1);
  Atomics.notify(syncFlag, 0);
}

port.on('message', (m: ToWorker) => {
  if (m.t === 'cluster') {
    if (m.nodes) {
      nodes.clear();
      for (const n of m.nodes) nodes.set(n.name, n);
    }
    for (const [k, eps] of m.endpoints) endpoints.set(k, eps);
    if (m.changed) for (const cb of [...clusterListeners]) cb();
    return;
  }
  if (m.t === 'secret') {
    secrets.set(`${m.name}\u0000${m.key}`, m.value);
    return;
  }
  const send = m.sync ? replySync : post;
  // A result that cannot be cloned (functions in status details, say) fails the call instead of the worker.
  const reply = (r: FromWorker): void => {
    try {
      send(r);
    } catch (err) {
      send({ t: 'reply', id: m.id, ok: false, error: `the plugin's answer cannot be sent to the speaker: ${errorText(err)}` });
    }
  };
  if (m.sync) {
    // Synchronous calls (validate, shouldAnnounce) answer before anything else runs.
    try {
      const value = runSync(m.op, m.args);
      reply({ t: 'reply', id: m.id, ok: true, value });
    } catch (err) {
      reply({ t: 'reply', id: m.id, ok: false, error: errorText(err) });
    }
    return;
  }
  run(m.op, m.args).then(
    (value) => reply({ t: 'reply', id: m.id, ok: true, value: value ?? null }),
    (err: unknown) => reply({ t: 'reply', id: m.id, ok: false, error: errorText(err) }),
  );
});

function runSync(op: CallOp, args: unknown[]): unknown {
  if (op === 'validate') return plugin?.validate ? plugin.validate(args[0] as Parameters<NonNullable<AnnouncerPlugin['validate']>>[0]) : [];
  if (op === 'shouldAnnounce') return needAnnouncer().shouldAnnounce(args[0] as Parameters<Announcer['shouldAnnounce']>[0], args[1] as string);
  throw new Error(`${op} cannot be called synchronously`);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

// Importing last; the outcome also goes on the sync port, for a main thread that waits for it while blocked.
let mod: unknown;
try {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  mod = require(data.module);
  plugin = pickPlugin(mod);
  if (!plugin) throw new Error(`module "${data.module}" exports no announcement plugin (expected an object with protocol, apiVersion and create())`);
} catch (err) {
  replySync({ t: 'loadFailed', error: errorText(err) });
  throw err;
}
const meta = { protocol: plugin.protocol, aliases: plugin.aliases ?? [], apiVersion: plugin.apiVersion, hasValidate: typeof plugin.validate === 'function' };
post({ t: 'ready', meta });
replySync({ t: 'ready', meta });
