// A real HTTP receiver on 127.0.0.1 for the tests: records every request, answers as each test scripts it.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { WebhookMessage } from '../src';

export interface Received {
  headers: IncomingHttpHeaders;
  body: WebhookMessage;
}

/** How to answer one request: a status, or `hang` (never answer, until the test closes the server). */
export type Reply = number | 'hang';

export class Receiver {
  readonly requests: Received[] = [];
  /** Replies for the next requests, in order; afterwards 200. */
  readonly script: Reply[] = [];
  private readonly hung: ServerResponse[] = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      let text = '';
      req.setEncoding('utf8');
      req.on('data', (d: string) => { text += d; });
      req.on('end', () => {
        this.requests.push({ headers: req.headers, body: JSON.parse(text) as WebhookMessage });
        const reply = this.script.shift() ?? 200;
        if (reply === 'hang') {
          this.hung.push(res);
          return;
        }
        res.writeHead(reply, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: reply < 300 }));
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1/vips`;
    return this;
  }

  /** Bodies of the requests so far. */
  bodies(): WebhookMessage[] {
    return this.requests.map((r) => r.body);
  }

  /** Open connections (keep-alive sockets of the plugin included). */
  connections(): Promise<number> {
    return new Promise((resolve, reject) => this.server!.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  }

  async stop(): Promise<void> {
    for (const r of this.hung) r.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** Polls `check` until it returns a value (bounded: 400 polls, 25 ms apart); fails with `what`. */
export async function until<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
