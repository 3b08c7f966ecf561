// A PluginContext for the plugin's own unit tests: records log lines and Events, secrets from a map.
import type { EndpointView, Logger, NodeView, PluginContext } from 'metallbts/plugin-api';

export interface Recorded {
  logs: Array<Record<string, unknown> & { level: string; msg?: string }>;
  events: Array<{ type: 'Normal' | 'Warning'; service: string; reason: string; message: string }>;
}

function recordingLogger(into: Recorded['logs']): Logger {
  const at = (level: string) => (obj: unknown, msg?: string): void => {
    into.push({ level, ...(typeof obj === 'object' && obj !== null ? obj as Record<string, unknown> : { msg: String(obj) }), ...(msg ? { msg } : {}) });
  };
  const logger = { info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug'), trace: at('trace'), fatal: at('fatal'), child: () => logger };
  return logger as unknown as Logger;
}

export interface FakeOptions {
  options?: Record<string, unknown>;
  secrets?: Record<string, Record<string, string>>;
  endpoints?: EndpointView[];
  node?: Partial<NodeView>;
  signal?: AbortSignal;
}

export function fakeContext(o: FakeOptions = {}): { ctx: PluginContext; recorded: Recorded } {
  const recorded: Recorded = { logs: [], events: [] };
  const node: NodeView = { name: 'node-a', labels: {}, networkUnavailable: false, addresses: ['192.168.1.10'], ...o.node };
  const ctx: PluginContext = {
    nodeName: node.name,
    logger: recordingLogger(recorded.logs),
    metrics: undefined as unknown as PluginContext['metrics'], // this plugin reports through status(), not metrics
    cluster: { node: (n) => (n === node.name ? node : undefined), nodes: () => [node], endpoints: () => o.endpoints ?? [], onChange: () => () => undefined },
    events: {
      normal: (k, reason, message) => recorded.events.push({ type: 'Normal', service: `${k.namespace}/${k.name}`, reason, message }),
      warning: (k, reason, message) => recorded.events.push({ type: 'Warning', service: `${k.namespace}/${k.name}`, reason, message }),
    },
    signal: o.signal ?? new AbortController().signal,
    requestResync: () => undefined,
    options: o.options ?? {},
    secret: (name, key) => o.secrets?.[name]?.[key],
    serviceStatus: { set: () => undefined, delete: () => undefined },
  };
  return { ctx, recorded };
}
