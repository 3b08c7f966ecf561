// One JSON POST with a time limit over a keep-alive agent; says whether a failure is worth retrying.
import * as http from 'node:http';
import * as https from 'node:https';

export interface PostResult {
  ok: boolean;
  /** HTTP status, when a response came. */
  status?: number;
  /** Network errors, time-outs, 408, 429 and 5xx are retried; other refusals are final. */
  retryable: boolean;
  /** What went wrong, for logs and status (never the token). */
  error?: string;
}

export interface PostRequest {
  url: URL;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  ca?: string;
  signal?: AbortSignal;
}

/** Sends requests through one keep-alive agent per scheme; `close()` drops every socket (plugin shutdown). */
export class HttpPoster {
  private readonly httpAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  private readonly httpsAgents = new Map<string, https.Agent>();

  private agentFor(url: URL, ca: string | undefined): http.Agent {
    if (url.protocol === 'http:') return this.httpAgent;
    const k = ca ?? '';
    let a = this.httpsAgents.get(k);
    if (!a) {
      a = new https.Agent({ keepAlive: true, maxSockets: 4, ...(ca ? { ca } : {}) });
      this.httpsAgents.set(k, a);
    }
    return a;
  }

  post(req: PostRequest): Promise<PostResult> {
    const mod = req.url.protocol === 'https:' ? https : http;
    return new Promise<PostResult>((resolve) => {
      let settled = false;
      const done = (r: PostResult): void => {
        if (settled) return;
        settled = true;
        resolve(r);
      };
      const r = mod.request(req.url, {
        method: 'POST',
        agent: this.agentFor(req.url, req.ca),
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(req.body), ...req.headers },
        timeout: req.timeoutMs,
        signal: req.signal,
      }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => { if (text.length < 512) text += d; });
        res.on('error', (e) => done({ ok: false, retryable: true, error: e.message }));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) return done({ ok: true, status, retryable: false });
          const retryable = status === 408 || status === 429 || status >= 500;
          done({ ok: false, status, retryable, error: `HTTP ${status}${text ? `: ${text.trim().slice(0, 200)}` : ''}` });
        });
      });
      // Socket idle longer than the limit (no response): destroy, reported as a retryable time-out.
      r.on('timeout', () => r.destroy(new Error(`no response within ${req.timeoutMs} ms`)));
      r.on('error', (e: NodeJS.ErrnoException) => done({ ok: false, retryable: e.name !== 'AbortError', error: e.code ? `${e.code}: ${e.message}` : e.message }));
      r.end(req.body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    for (const a of this.httpsAgents.values()) a.destroy();
    this.httpsAgents.clear();
  }
}
