/**
 * A plain JSON request on a keep-alive https agent, for the per-Service hot path (status patch,
 * Event create): client-node's generated client spends twice the CPU per call (ObjectSerializer
 * walks of body and response, node-fetch middleware), which on a shared 2-core node showed up as
 * latency and cold-start time. Authentication still comes from client-node's KubeConfig.
 */
import { Agent, request, type RequestOptions } from 'node:https';
import type { KubeConfig } from './kube-lib';

const TIMEOUT_MS = 30_000;
/** KubeConfig re-reads CA and credential files on every call; reuse its answer this long. */
const OPTIONS_TTL_MS = 10_000;

/** Same shape as client-node's ApiException where callers look (code, body). */
export class KubeRequestError extends Error {
  constructor(
    message: string,
    readonly code: number,
    readonly body: string,
  ) {
    super(message);
    this.name = 'KubeRequestError';
  }
}

export class KubeRequester {
  private agent?: Agent;
  private options?: { at: number; headers: RequestOptions['headers']; auth?: string };

  constructor(private readonly kc: KubeConfig) {}

  /** Auth headers (tokens from files and exec plugins refresh within the TTL) and the TLS agent. */
  private async requestOptions(): Promise<{ headers: RequestOptions['headers']; auth?: string }> {
    const now = Date.now();
    if (this.options && this.agent && now - this.options.at < OPTIONS_TTL_MS) return this.options;
    const opts: RequestOptions = { headers: {} };
    await this.kc.applyToHTTPSOptions(opts);
    // A new agent when TLS material changed (e.g. a rotated client certificate); idle sockets of the old one close.
    const tls = { ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername };
    if (!this.agent || !sameTls(this.agent.options as Record<string, unknown>, tls)) {
      this.agent?.destroy();
      this.agent = new Agent({ keepAlive: true, ...tls });
    }
    this.options = { at: now, headers: opts.headers, auth: opts.auth ?? undefined };
    return this.options;
  }

  /** Sends `body` as JSON with `contentType`; resolves with the parsed response body. */
  async send(method: string, path: string, body: unknown, contentType = 'application/json'): Promise<unknown> {
    const cluster = this.kc.getCurrentCluster();
    if (!cluster) throw new Error('no current cluster in the kubeconfig');
    const opts = await this.requestOptions();
    const data = JSON.stringify(body);
    const url = new URL(cluster.server.replace(/\/$/, '') + path);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          auth: opts.auth,
          agent: this.agent,
          timeout: TIMEOUT_MS,
          headers: { ...opts.headers, 'content-type': contentType, 'content-length': Buffer.byteLength(data), accept: 'application/json' },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => (text += chunk));
          res.on('error', reject);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              reject(new KubeRequestError(`HTTP ${status} ${method} ${path}`, status, text));
              return;
            }
            try {
              resolve(text ? JSON.parse(text) : undefined);
            } catch (err) {
              reject(err);
            }
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer after ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(data);
    });
  }
}

function sameTls(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return Object.keys(b).every((k) => String(a[k]) === String(b[k]));
}
