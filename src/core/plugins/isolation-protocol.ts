// Messages between the speaker's main thread and a third-party plugin's worker thread.
import type { MessagePort } from 'node:worker_threads';
import type { EndpointView, NodeView, PluginStatus } from '../plugin-api';

/** What the worker is started with (`workerData`). */
export interface PluginWorkerData {
  /** Absolute path (or package name) of the plugin module, resolved by the main thread. */
  module: string;
  nodeName: string;
  options: Record<string, unknown>;
  /** Int32Array over it: slot 0 is set to 1 when a synchronous reply was posted on `syncPort`. */
  syncBuffer: SharedArrayBuffer;
  syncPort: MessagePort;
}

/** A plugin module's identity, as the worker found it on import. */
export interface PluginMeta {
  protocol: string;
  aliases: string[];
  apiVersion: unknown;
  hasValidate: boolean;
}

/** Calls the main thread makes; `args` are structured-cloned. */
export type CallOp = 'create' | 'setConfig' | 'shouldAnnounce' | 'setBalancer' | 'deleteBalancer' | 'status' | 'shutdown' | 'validate' | 'metrics';

export type ToWorker =
  | { t: 'call'; id: number; op: CallOp; args: unknown[]; sync?: boolean }
  /** The cluster as the plugin's ClusterView sees it: all nodes (when changed), endpoints of the Services it was asked about. */
  | { t: 'cluster'; nodes?: NodeView[]; endpoints: Array<[string, EndpointView[]]>; changed: boolean }
  | { t: 'secret'; name: string; key: string; value: string | undefined };

/** A metric the plugin registered in its own registry (the main thread forwards it on /metrics). */
export interface MetricInfo {
  name: string;
  help: string;
  type: string;
}

export type FromWorker =
  | { t: 'ready'; meta: PluginMeta }
  | { t: 'loadFailed'; error: string }
  | { t: 'reply'; id: number; ok: true; value: unknown; status?: PluginStatus; metrics?: MetricInfo[] }
  | { t: 'reply'; id: number; ok: false; error: string }
  | { t: 'log'; line: string }
  | { t: 'event'; kind: 'normal' | 'warning'; key: { namespace: string; name: string }; reason: string; message: string }
  | { t: 'serviceStatus'; op: 'set' | 'delete'; key: { namespace: string; name: string }; status?: Record<string, unknown> }
  | { t: 'resync'; reason: string }
  | { t: 'secretWanted'; name: string; key: string };

/** `namespace/name`: endpoints are keyed like the core keys Services. */
export function keyText(key: { namespace: string; name: string }): string {
  return `${key.namespace}/${key.name}`;
}
