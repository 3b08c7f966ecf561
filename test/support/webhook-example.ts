// The webhook example plugin (examples/plugins/webhook) for tests: built as its author builds it, and a receiver for its POSTs.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { WebhookMessage } from '../../examples/plugins/webhook/src/message';

export const REPO = join(__dirname, '..', '..');
export const WEBHOOK_EXAMPLE = join(REPO, 'examples', 'plugins', 'webhook');
export const WEBHOOK_MODULE = 'metallbts-plugin-webhook';

/** Runs a node tool in the example's folder with the repository's node_modules (what `npx` finds after `npm install`). */
export function inWebhookExample(tool: 'tsc' | 'jest', args: string[]): { code: number | null; output: string } {
  const bin = tool === 'tsc' ? join(REPO, 'node_modules', 'typescript', 'bin', 'tsc') : join(REPO, 'node_modules', 'jest', 'bin', 'jest.js');
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: WEBHOOK_EXAMPLE, encoding: 'utf8', timeout: 240_000, env: { ...process.env, CI: '1' } });
  return { code: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

/** What `npm install` makes of the example's `"metallbts": "file:../../.."` devDependency: a link to this package. */
export function linkMetallbts(): string {
  const link = join(WEBHOOK_EXAMPLE, 'node_modules', 'metallbts');
  if (!existsSync(link)) {
    mkdirSync(join(WEBHOOK_EXAMPLE, 'node_modules'), { recursive: true });
    symlinkSync(join('..', '..', '..', '..'), link, 'dir');
  }
  return link;
}

/** `npm run build` in the example (tsc → dist/); needs this repository's dist/ (the .d.ts of metallbts/plugin-api). */
export function buildWebhookExample(): void {
  linkMetallbts();
  const r = inWebhookExample('tsc', ['-p', 'tsconfig.build.json']);
  if (r.code !== 0) throw new Error(`building ${WEBHOOK_EXAMPLE} failed:\n${r.output}`);
}

/** One POST as the receiver saw it. */
export interface ReceivedPost {
  headers: Record<string, string>;
  body: WebhookMessage;
  status: number;
}

// A plain-node HTTP server (runs in any network namespace): one JSON line per request on stdout; 401 without a token (comma-separated list).
const RECEIVER = `
const http = require('node:http');
const [host, port, token] = process.argv.slice(1);
const server = http.createServer((req, res) => {
  let text = '';
  req.on('data', (d) => { text += d; });
  req.on('end', () => {
    const tokens = token ? token.split(',') : [];
    const status = tokens.length === 0 || tokens.some((t) => req.headers.authorization === 'Bearer ' + t) ? 200 : 401;
    let body = null;
    try { body = JSON.parse(text); } catch { body = text; }
    process.stdout.write(JSON.stringify({ headers: req.headers, body, status }) + '\\n');
    res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(Number(port), host, () => process.stdout.write(JSON.stringify({ listening: server.address() }) + '\\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
`;

/** The receiver as a child process, optionally inside a network namespace (`ip netns exec NS`); killed with the test process. */
export class WebhookReceiver {
  readonly posts: ReceivedPost[] = [];
  port = 0;
  private buffered = '';
  private output = '';

  private constructor(private readonly child: ChildProcess) {}

  static async start(o: { host: string; port?: number; token?: string; netns?: string }): Promise<WebhookReceiver> {
    const node = [process.execPath, '-e', RECEIVER, o.host, String(o.port ?? 0), o.token ?? ''];
    const argv = ['--pdeathsig', 'KILL', '--', ...(o.netns ? ['ip', 'netns', 'exec', o.netns] : []), ...node];
    const r = new WebhookReceiver(spawn('/usr/bin/setpriv', argv, { stdio: ['ignore', 'pipe', 'pipe'] }));
    r.child.stderr!.on('data', (d: Buffer) => { r.output += d.toString(); });
    const listening = new Promise<number>((resolve, reject) => {
      r.child.on('exit', (code) => reject(new Error(`webhook receiver exited ${code}: ${r.output}`)));
      r.child.stdout!.on('data', (d: Buffer) => {
        r.buffered += d.toString();
        for (let nl = r.buffered.indexOf('\n'); nl >= 0; nl = r.buffered.indexOf('\n')) {
          const line = JSON.parse(r.buffered.slice(0, nl)) as ReceivedPost | { listening: { port: number } };
          r.buffered = r.buffered.slice(nl + 1);
          if ('listening' in line) resolve(line.listening.port);
          else r.posts.push(line);
        }
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`webhook receiver did not listen: ${r.output}`)), 20_000); });
    try {
      r.port = await Promise.race([listening, timeout]);
    } catch (err) {
      r.stop();
      throw err;
    } finally {
      clearTimeout(timer);
    }
    return r;
  }

  /** Waits (bounded) until a POST matches; fails naming what was received instead. */
  async waitFor(what: string, pred: (p: ReceivedPost) => boolean, timeoutMs = 60_000): Promise<ReceivedPost> {
    for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
      const hit = this.posts.find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`webhook receiver: no ${what} within ${timeoutMs} ms; got ${JSON.stringify(this.posts.map((p) => [p.body.kind, p.body.node, p.body.service, p.body.ips, p.status]))}`);
  }

  stop(): void {
    this.child.kill('SIGKILL');
  }
}
