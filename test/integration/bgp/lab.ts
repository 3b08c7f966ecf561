// A throw-away BGP lab: a router namespace with a bridge, speaker namespaces on veths, FRR or GoBGP inside.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The repository root, from sources (test/integration/bgp) or from dist/test/integration/bgp. */
function findRepo(): string {
  let dir = resolve(__dirname, '../../..');
  for (let i = 0; i < 3 && !existsSync(join(dir, 'bin', 'metallbts.js')); i++) dir = resolve(dir, '..');
  return dir;
}
export const REPO = findRepo();
export const CLI = join(REPO, 'bin', 'metallbts.js');

export function sh(cmd: string, args: string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', timeout: opts.timeoutMs ?? 15000, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    if (opts.allowFail) return '';
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr ?? e.message}`);
  }
}

/** Can this process build namespaces and run the routers? */
export function labAvailable(router: 'frr' | 'gobgp' | 'bird'): boolean {
  if (process.getuid?.() !== 0) return false;
  if (router === 'bird' && !existsSync('/usr/sbin/bird')) return false;
  if (router === 'frr' && !existsSync('/usr/lib/frr/bgpd')) return false;
  if (router === 'gobgp' && !existsSync('/usr/bin/gobgpd')) return false;
  return existsSync(join(REPO, 'dist', 'src', 'cli', 'commands', 'bgp.js'));
}

export async function waitUntil<T>(what: string, fn: () => T | undefined | false, timeoutMs: number, stepMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < 10000; i++) {
    try {
      const v = fn();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export interface Speaker {
  ns: string;
  v4: string;
  v6: string;
  proc?: ChildProcess;
  output: string[];
}

export class BgpLab {
  readonly prefix: string;
  readonly routerNs: string;
  readonly dir: string;
  readonly speakers: Speaker[] = [];
  private readonly procs: ChildProcess[] = [];
  /** Namespaces made by addNamespace, deleted by down() too. */
  private readonly extraNs: string[] = [];
  private frrName?: string;

  /** `owner` starts every namespace name (helpers running side by side use their own). */
  constructor(tag: string, owner = 'mlbts-bgp') {
    this.prefix = `${owner}-${process.pid}-${tag}`;
    this.routerNs = `${this.prefix}-r`;
    this.dir = mkdtempSync(join(tmpdir(), `${this.prefix}-`));
  }

  /** Router namespace with br0 (192.168.1.1/24, fd00:1::1/64) and `n` speaker namespaces .10+i / ::10+i. */
  up(n: number): void {
    const r = this.routerNs;
    sh('ip', ['netns', 'add', r]);
    sh('ip', ['-n', r, 'link', 'set', 'lo', 'up']);
    sh('ip', ['-n', r, 'link', 'add', 'br0', 'type', 'bridge']);
    sh('ip', ['netns', 'exec', r, 'sysctl', '-qw', 'net.ipv6.conf.br0.accept_dad=0']);
    sh('ip', ['-n', r, 'addr', 'add', '192.168.1.1/24', 'dev', 'br0']);
    sh('ip', ['-n', r, 'addr', 'add', 'fd00:1::1/64', 'dev', 'br0', 'nodad']);
    sh('ip', ['-n', r, 'link', 'set', 'br0', 'up']);
    for (let i = 0; i < n; i++) {
      const ns = `${this.prefix}-s${i}`;
      const v4 = `192.168.1.${10 + i}`;
      const v6 = `fd00:1::${(10 + i).toString(16)}`;
      sh('ip', ['netns', 'add', ns]);
      sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
      sh('ip', ['-n', r, 'link', 'add', `veth${i}`, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns]);
      sh('ip', ['-n', r, 'link', 'set', `veth${i}`, 'master', 'br0', 'up']);
      sh('ip', ['-n', ns, 'addr', 'add', `${v4}/24`, 'dev', 'eth0']);
      sh('ip', ['-n', ns, 'addr', 'add', `${v6}/64`, 'dev', 'eth0', 'nodad']);
      sh('ip', ['-n', ns, 'link', 'set', 'eth0', 'up']);
      this.speakers.push({ ns, v4, v6, output: [] });
    }
  }

  exec(ns: string, cmd: string, args: string[], opts: { allowFail?: boolean; timeoutMs?: number } = {}): string {
    return sh('ip', ['netns', 'exec', ns, cmd, ...args], opts);
  }

  /** One more namespace `<prefix>-<suffix>` with lo up, cleaned up by down(). */
  addNamespace(suffix: string): string {
    const ns = `${this.prefix}-${suffix}`;
    sh('ip', ['netns', 'add', ns]);
    this.extraNs.push(ns);
    sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /** FRR bgpd + zebra (+ bfdd when `bfddConf` is given) in `ns` (default the router namespace) with the given bgpd.conf body. */
  startFrr(bgpdConf: string, bfddConf?: string, ns = this.routerNs): void {
    this.frrName = this.prefix;
    const run = `/var/run/frr/${this.frrName}`;
    mkdirSync(run, { recursive: true });
    const frr = this.frrUid();
    if (frr) chownSync(run, frr.uid, frr.gid);
    const zconf = join(this.dir, 'zebra.conf');
    const bconf = join(this.dir, 'bgpd.conf');
    writeFileSync(zconf, 'hostname R\n');
    writeFileSync(bconf, bgpdConf);
    if (frr) {
      chownSync(this.dir, frr.uid, frr.gid);
      chownSync(zconf, frr.uid, frr.gid);
      chownSync(bconf, frr.uid, frr.gid);
    }
    this.exec(ns, '/usr/lib/frr/zebra', ['-d', '-N', this.frrName, '-f', zconf, '-i', `${run}/zebra.pid`]);
    this.exec(ns, '/usr/lib/frr/bgpd', ['-d', '-N', this.frrName, '-f', bconf, '-i', `${run}/bgpd.pid`]);
    if (bfddConf !== undefined) {
      const fconf = join(this.dir, 'bfdd.conf');
      writeFileSync(fconf, bfddConf);
      if (frr) chownSync(fconf, frr.uid, frr.gid);
      this.exec(ns, '/usr/lib/frr/bfdd', ['-d', '-N', this.frrName, '-f', fconf, '-i', `${run}/bfdd.pid`]);
    }
  }

  private frrUid(): { uid: number; gid: number } | undefined {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('frr:'));
    if (!line) return undefined;
    const f = line.split(':');
    return { uid: Number(f[2]), gid: Number(f[3]) };
  }

  vtysh(command: string): string {
    return this.exec(this.routerNs, 'vtysh', ['-N', this.frrName!, '-c', command], { timeoutMs: 10000 });
  }

  vtyshJson<T = Record<string, unknown>>(command: string): T {
    return JSON.parse(this.vtysh(command)) as T;
  }

  /** gobgpd in the router namespace; its API listens on the namespace's own loopback. */
  startGobgp(toml: string): void {
    const conf = join(this.dir, 'gobgp.toml');
    writeFileSync(conf, toml);
    const p = spawn('ip', ['netns', 'exec', this.routerNs, 'gobgpd', '-f', conf, '--api-hosts', '127.0.0.1:50051', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    this.procs.push(p);
  }

  gobgp<T = unknown>(args: string[]): T {
    const out = this.exec(this.routerNs, 'gobgp', ['-u', '127.0.0.1', '-p', '50051', ...args, '-j'], { timeoutMs: 10000 });
    return JSON.parse(out) as T;
  }

  /** BIRD 2 in `ns`, default the router namespace (control socket and pid file in the lab directory). */
  startBird(conf: string, ns = this.routerNs): void {
    const file = join(this.dir, 'bird.conf');
    writeFileSync(file, conf);
    this.exec(ns, 'bird', ['-c', file, '-s', join(this.dir, 'bird.ctl'), '-P', join(this.dir, 'bird.pid')]);
  }

  birdc(command: string): string {
    return sh('birdc', ['-s', join(this.dir, 'bird.ctl'), command], { timeoutMs: 10000 });
  }

  /** Runs `metallbts bgp announce` inside speaker `i`. */
  announce(i: number, args: string[]): Speaker {
    const s = this.speakers[i]!;
    const p = spawn('ip', ['netns', 'exec', s.ns, process.execPath, CLI, 'bgp', 'announce', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    s.proc = p;
    s.output = [];
    const collect = (d: Buffer) => s.output.push(...d.toString().split('\n').filter(Boolean));
    p.stdout!.on('data', collect);
    p.stderr!.on('data', collect);
    this.procs.push(p);
    return s;
  }

  /** Sends `signal` to the speaker and waits for it to exit (bounded). */
  async stopSpeaker(i: number, signal: NodeJS.Signals, timeoutMs = 5000): Promise<number | null> {
    const p = this.speakers[i]!.proc;
    if (!p || p.exitCode !== null) return p?.exitCode ?? null;
    // `ip netns exec` execs node, so the pid is the speaker itself. 'close', not 'exit': its last output lines
    // (the NOTIFICATION it sent) may still be in the pipe when it exits.
    const exited = new Promise<number | null>((res) => p.once('close', (code) => res(code)));
    p.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const t = new Promise<null>((res) => (timer = setTimeout(() => res(null), timeoutMs)));
    try {
      return await Promise.race([exited, t]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Kills everything started here and deletes the namespaces; safe to call after a failed `up`. */
  down(): void {
    for (const p of this.procs) {
      if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    }
    const all = [this.routerNs, ...this.speakers.map((s) => s.ns), ...this.extraNs];
    const existing = sh('ip', ['netns', 'list'], { allowFail: true });
    for (const ns of all) {
      if (!existing.includes(ns)) continue;
      // Only processes inside our own namespaces (FRR daemonises away from our children).
      const pids = sh('ip', ['netns', 'pids', ns], { allowFail: true }).split(/\s+/).filter(Boolean);
      for (const pid of pids) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
      sh('ip', ['netns', 'del', ns], { allowFail: true });
    }
    if (this.frrName) rmSync(`/var/run/frr/${this.frrName}`, { recursive: true, force: true });
    rmSync(this.dir, { recursive: true, force: true });
  }
}
