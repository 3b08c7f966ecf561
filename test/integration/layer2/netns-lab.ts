// A throw-away L2 segment in network namespaces (bridge + client + nodes) for layer-2 tests; never touches the root namespace.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (works from test/ sources and from dist/test). */
export const REPO = ((): string => {
  let dir = __dirname;
  for (let i = 0; i < 8 && !existsSync(join(dir, 'package.json')); i++) dir = join(dir, '..');
  return dir;
})();

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command with a hard timeout (never hangs a test). */
export function run(cmd: string, args: string[], timeoutMs = 15_000): RunResult {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

export function must(cmd: string, args: string[], timeoutMs = 15_000): string {
  const r = run(cmd, args, timeoutMs);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} → ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

export function canRunNetns(): boolean {
  return process.platform === 'linux' && process.getuid?.() === 0 && run('ip', ['-V']).code === 0;
}

export function haveTool(name: string): boolean {
  return run('sh', ['-c', `command -v ${name}`]).code === 0;
}

export interface LabHost {
  ns: string;
  ip4: string;
  ip6: string;
  mac: string;
}

/** Bridge namespace + client + N nodes, each with `eth0` on the bridge; nodes hold VIPs on a strict-ARP dummy (or lo). */
export class L2Lab {
  readonly prefix: string;
  readonly bridgeNs: string;
  readonly client: LabHost;
  readonly nodes: LabHost[] = [];
  private readonly procs = new Set<ChildProcess>();
  private readonly namespaces: string[] = [];

  constructor(nodeCount = 3, tag = 'it') {
    this.prefix = `mlbts-l2-${process.pid}-${tag}`;
    this.bridgeNs = `${this.prefix}-br`;
    this.client = { ns: `${this.prefix}-c`, ip4: '192.168.1.100', ip6: 'fd00:1::64', mac: '02:00:00:00:01:64' };
    for (let i = 0; i < nodeCount; i++) {
      this.nodes.push({
        ns: `${this.prefix}-n${i + 1}`,
        ip4: `192.168.1.${10 + i}`,
        ip6: `fd00:1::${(10 + i).toString(16)}`,
        mac: `02:00:00:00:01:${(10 + i).toString(16).padStart(2, '0')}`,
      });
    }
  }

  /** Builds the segment; `vips` are put on every node's kube-ipvs0 (as kube-proxy IPVS does), so only ARP/NDP decides who gets traffic. */
  up(vips: string[] = []): void {
    this.down(); // stale leftovers of a crashed run with the same pid
    this.addNs(this.bridgeNs);
    must('ip', ['-n', this.bridgeNs, 'link', 'add', 'br0', 'type', 'bridge']);
    must('ip', ['-n', this.bridgeNs, 'link', 'set', 'br0', 'up']);
    for (const [i, h] of [this.client, ...this.nodes].entries()) {
      this.addNs(h.ns);
      const port = `p${i}`;
      must('ip', ['-n', this.bridgeNs, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
      must('ip', ['-n', this.bridgeNs, 'link', 'set', port, 'master', 'br0', 'up']);
      must('ip', ['-n', h.ns, 'link', 'set', 'eth0', 'address', h.mac]);
      must('ip', ['-n', h.ns, 'link', 'set', 'lo', 'up']);
      must('ip', ['-n', h.ns, 'link', 'set', 'eth0', 'up']);
      must('ip', ['-n', h.ns, 'addr', 'add', `${h.ip4}/24`, 'dev', 'eth0']);
      must('ip', ['-n', h.ns, '-6', 'addr', 'add', `${h.ip6}/64`, 'dev', 'eth0', 'nodad']);
    }
    for (const n of this.nodes) {
      this.exec(n.ns, 'sysctl', ['-qw', 'net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2']);
      // kube-ipvs0 is a dummy; kernels without the dummy driver get the VIPs on lo (same ARP/NDP effect).
      const dev = run('ip', ['-n', n.ns, 'link', 'add', 'kube-ipvs0', 'type', 'dummy']).code === 0 ? 'kube-ipvs0' : 'lo';
      for (const vip of vips) {
        const v6 = vip.includes(':');
        must('ip', ['-n', n.ns, ...(v6 ? ['-6'] : []), 'addr', 'add', `${vip}/${v6 ? 128 : 32}`, 'dev', dev, ...(v6 ? ['nodad'] : [])]);
      }
    }
  }

  exec(ns: string, cmd: string, args: string[], timeoutMs = 15_000): RunResult {
    return run('ip', ['netns', 'exec', ns, cmd, ...args], timeoutMs);
  }

  /** Like exec, without blocking the event loop (children's output pipes keep draining). */
  execAsync(ns: string, cmd: string, args: string[], timeoutMs = 15_000): Promise<RunResult> {
    return new Promise((resolve) => {
      const p = this.spawn(ns, cmd, args);
      let stdout = '';
      let stderr = '';
      p.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
      p.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
      const timer = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
      p.once('close', (code) => {
        clearTimeout(timer);
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** PIDs of processes living in network namespace `ns`. */
  pidsIn(ns: string): number[] {
    return run('ip', ['netns', 'pids', ns]).stdout.split(/\s+/).filter(Boolean).map(Number);
  }

  /** Starts a long-running process in `ns`; killed by down(). */
  spawn(ns: string, cmd: string, args: string[]): ChildProcess {
    const p = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.procs.add(p);
    p.once('exit', () => this.procs.delete(p));
    return p;
  }

  /** Removes every process and namespace this lab made (safe to call repeatedly and after failures). */
  down(): void {
    for (const p of this.procs) {
      if (p.exitCode === null && p.pid) {
        try {
          process.kill(p.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    this.procs.clear();
    const mine = run('ip', ['netns', 'list']).stdout.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${this.prefix}-`));
    for (const ns of new Set([...this.namespaces, ...mine])) {
      // `ip netns pids` then kill: processes inside (arping, ping) must not keep the namespace alive.
      for (const pid of run('ip', ['netns', 'pids', ns]).stdout.split(/\s+/).filter(Boolean)) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // gone
        }
      }
      run('ip', ['netns', 'del', ns]);
    }
    this.namespaces.length = 0;
  }

  private addNs(ns: string): void {
    must('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
  }
}

/** Makes sure dist/ has the compiled CLI and layer2 plugin newer than their sources (runs `npm run build` when stale). */
export function ensureBuilt(): void {
  const newest = (dir: string, ext: string): number => {
    let max = 0;
    if (!existsSync(dir)) return 0;
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) max = Math.max(max, newest(p, ext));
      else if (e.name.endsWith(ext)) max = Math.max(max, statSync(p).mtimeMs);
    }
    return max;
  };
  const src = Math.max(
    newest(join(REPO, 'plugins', 'layer2'), '.ts'),
    newest(join(REPO, 'test', 'integration', 'layer2'), '.ts'),
    // The speaker (policy tests run `metallbts speaker`) is all of src/.
    newest(join(REPO, 'src'), '.ts'),
  );
  const distCli = join(REPO, 'dist', 'src', 'cli', 'commands', 'l2.js');
  const distNode = join(REPO, 'dist', 'test', 'integration', 'layer2', 'announcer-node.js');
  const built =
    existsSync(distCli) && existsSync(distNode)
      ? Math.min(statSync(distCli).mtimeMs, statSync(distNode).mtimeMs, newest(join(REPO, 'dist', 'plugins', 'layer2'), '.js'))
      : 0;
  const addon = join(REPO, 'native', 'afpacket', 'build', 'Release', 'afpacket.node');
  // The same build as `npm run build` (native addons, tsc, the bundled client-node), so tests run what users run.
  if (built < src || !existsSync(addon)) must('npm', ['run', 'build', '--prefix', REPO], 600_000);
  if (!existsSync(distCli)) throw new Error('dist/src/cli/commands/l2.js missing after npm run build');
}

/** Resolves when `pred` holds for a line of the process's stdout (JSON-parsed); rejects after `timeoutMs`. */
export function waitForLine(p: ChildProcess, pred: (line: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => {
      p.stdout?.off('data', onData);
      reject(new Error(`timed out waiting for a log line; got: ${buf.slice(-2000)}`));
    }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      buf += chunk.toString();
      for (const l of buf.split('\n')) {
        try {
          const obj = JSON.parse(l) as Record<string, unknown>;
          if (pred(obj)) {
            clearTimeout(timer);
            p.stdout?.off('data', onData);
            resolve(obj);
            return;
          }
        } catch {
          // partial line
        }
      }
    };
    p.stdout?.on('data', onData);
  });
}

/** Collects all stdout JSON lines of a process. */
export function collectLines(p: ChildProcess): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  let rest = '';
  p.stdout?.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) {
      try {
        lines.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        // not JSON
      }
    }
  });
  return lines;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
