// One place that builds Kubernetes API clients, from a kubeconfig file or the in-cluster account.
import type * as k8s from '@kubernetes/client-node';
import { ApiException, CoreV1Api, CustomObjectsApi, DiscoveryV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from './kube-lib';
import { KubeRequester } from './kube-request';
import type { Logger } from '../log';

export class KubeClients {
  readonly kc: k8s.KubeConfig;
  readonly core: k8s.CoreV1Api;
  readonly discovery: k8s.DiscoveryV1Api;
  readonly custom: k8s.CustomObjectsApi;
  /** Plain JSON requests for the per-Service hot path (status writes, Events). */
  readonly requester: KubeRequester;

  constructor(kubeconfigPath?: string) {
    this.kc = new KubeConfig();
    if (kubeconfigPath) this.kc.loadFromFile(kubeconfigPath);
    else if (process.env.KUBECONFIG) this.kc.loadFromFile(process.env.KUBECONFIG);
    else this.kc.loadFromCluster();
    reuseConnections(this.kc);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.discovery = this.kc.makeApiClient(DiscoveryV1Api);
    this.custom = this.kc.makeApiClient(CustomObjectsApi);
    this.requester = new KubeRequester(this.kc);
  }
}

/**
 * client-node 1.x builds a new https.Agent for every request, so each API call paid a fresh TCP+TLS
 * handshake; one keep-alive agent per KubeConfig (same cluster and credentials) reuses connections.
 */
function reuseConnections(kc: k8s.KubeConfig): void {
  const target = kc as unknown as { createAgent?: (cluster: unknown, opts: Record<string, unknown>) => unknown };
  const original = target.createAgent?.bind(kc);
  if (!original) return;
  let agent: unknown;
  target.createAgent = (cluster, opts) => (agent ??= original(cluster, { ...opts, keepAlive: true }));
}

/** Options that make a PATCH a JSON merge patch (client-node defaults to JSON patch). */
export const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** An API failure with a readable message that keeps the HTTP status for callers that branch on it. */
export class KubeApiError extends Error {
  constructor(
    message: string,
    readonly code: number | undefined,
  ) {
    super(message);
    this.name = 'KubeApiError';
  }
}

export function apiStatusCode(err: unknown): number | undefined {
  if (err instanceof ApiException) return err.code;
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Retries transient API failures (409 conflict, 429, 5xx, network) with bounded backoff. */
export async function withRetry<T>(what: string, fn: () => Promise<T>, opts: { attempts?: number; retryConflict?: boolean } = {}): Promise<T> {
  const attempts = opts.attempts ?? 5;
  let delay = 100;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const code = apiStatusCode(err);
      // 409 is transient for updates (a conflict), final for creates (already exists).
      const transient = code === undefined || (code === 409 && opts.retryConflict !== false) || code === 429 || code >= 500;
      if (!transient || i >= attempts) {
        const e = err as Error;
        throw new KubeApiError(`${what}: ${code ? `HTTP ${code}: ` : ''}${apiMessage(err) ?? e.message}`, code);
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

/**
 * Runs a watch's first list, retrying transient failures (e.g. a 429/5xx while storage re-initialises
 * after a CRD is added) up to 8 times; gives up at once when the watch was stopped meanwhile.
 */
export async function firstListWithRetry(path: string, list: () => Promise<unknown>, stopped: () => boolean, log: Logger): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await list();
      return;
    } catch (err) {
      if (attempt >= 8 || stopped()) throw err;
      log.warn({ event: 'listFailed', path, attempt, error: (err as Error)?.message }, 'initial list failed, retrying');
      await new Promise((r) => setTimeout(r, Math.min(250 * 2 ** attempt, 5000)));
    }
  }
}

function apiMessage(err: unknown): string | undefined {
  const body = (err as { body?: unknown })?.body;
  if (typeof body === 'string') {
    try {
      return (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      return body;
    }
  }
  return (body as { message?: string } | undefined)?.message;
}
