// A client polling a BGP VIP through the lab router: the VIP served in a speaker namespace, the client in another, counting failures.
import { spawn, type ChildProcess } from 'node:child_process';
import type { BgpLab } from './lab';
import { childReady } from './child-ready';

const SERVER = `
const http = require('node:http');
http.createServer((q, r) => r.end('ok')).listen(80, process.argv[1], () => console.log('ready'));
`;

// One new connection per request (no keep-alive), 1 s timeout, one line per result; stops on SIGTERM.
const POLLER = `
const http = require('node:http');
const [vip, every] = process.argv.slice(1);
let stop = false;
process.on('SIGTERM', () => { stop = true; });
const once = () => new Promise((resolve) => {
  const req = http.get({ host: vip, port: 80, path: '/', agent: false, timeout: 1000 }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : 'fail status ' + res.statusCode));
  });
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => resolve('fail ' + (e.code || e.message)));
});
(async () => {
  for (let i = 0; i < 100000 && !stop; i++) {
    process.stdout.write(new Date().toISOString() + ' ' + (await once()) + '\\n');
    await new Promise((r) => setTimeout(r, Number(every)));
  }
  process.exit(0);
})();
`;

export interface PollResult {
  ok: number;
  failed: string[];
}

export class VipPoller {
  private readonly results: string[] = [];
  private constructor(private readonly proc: ChildProcess) {
    let rest = '';
    proc.stdout!.on('data', (d: Buffer) => {
      const parts = (rest + d.toString()).split('\n');
      rest = parts.pop() ?? '';
      this.results.push(...parts.filter(Boolean));
    });
  }

  static start(lab: BgpLab, clientNs: string, vip: string, everyMs = 50): VipPoller {
    return new VipPoller(spawn('ip', ['netns', 'exec', clientNs, process.execPath, '-e', POLLER, vip, String(everyMs)], { stdio: ['ignore', 'pipe', 'inherit'] }));
  }

  /** Every result line so far: `ISO-time ok` or `ISO-time fail REASON`. */
  lines(): string[] {
    return [...this.results];
  }

  counts(): PollResult {
    return { ok: this.results.filter((l) => l.endsWith(' ok')).length, failed: this.results.filter((l) => / fail /.test(l)) };
  }

  /** Stops polling (bounded) and returns every result. */
  async stop(): Promise<PollResult> {
    if (this.proc.exitCode === null && this.proc.signalCode === null) {
      const exited = new Promise<void>((res) => this.proc.once('exit', () => res()));
      this.proc.kill('SIGTERM');
      const t = setTimeout(() => this.proc.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    }
    return this.counts();
  }
}

/**
 * Router forwards (no ICMP redirects, so the client keeps going through it); the VIP lives on the speaker
 * namespace's loopback with an HTTP server on port 80; the client routes `vipRoute` via the router.
 */
export async function serveVip(lab: BgpLab, speakerNs: string, clientNs: string, vip: string, vipRoute: string): Promise<ChildProcess> {
  const r = lab.routerNs;
  lab.exec(r, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', 'net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.br0.send_redirects=0']);
  lab.exec(clientNs, 'sysctl', ['-qw', 'net.ipv4.conf.all.accept_redirects=0', 'net.ipv4.conf.eth0.accept_redirects=0']);
  lab.exec(clientNs, 'ip', ['route', 'replace', vipRoute, 'via', '192.168.1.1']);
  lab.exec(speakerNs, 'ip', ['addr', 'replace', `${vip}/32`, 'dev', 'lo']);
  const server = spawn('ip', ['netns', 'exec', speakerNs, process.execPath, '-e', SERVER, vip], { stdio: ['ignore', 'pipe', 'inherit'] });
  await childReady(server, 'VIP server');
  return server;
}
