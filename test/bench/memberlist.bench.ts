// Memberlist failure detection: N CLI processes on loopback, SIGKILL one, time until every survivor
// reports it dead (p50/p99), for the `fast` and `lan` profiles. Counts via env:
// BENCH_MEMBERLIST_SIZES (3,10) BENCH_MEMBERLIST_PROFILES (fast,lan) BENCH_MEMBERLIST_KILLS (20, the minimum per profile).
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = [join(__dirname, '..', '..', '..'), join(__dirname, '..', '..')].find((d) => existsSync(join(d, 'dist', 'src', 'cli', 'main.js'))) ?? join(__dirname, '..', '..', '..');
const SECRET = 'BenchBenchBenchBenchBe';
const BASE_PORT = Number(process.env.BENCH_MEMBERLIST_BASE_PORT ?? 27946);

interface Proc {
  name: string;
  port: number;
  child: ChildProcess;
  lines: Array<{ at: number; event: string; node?: string }>;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function startNode(name: string, port: number, joinPort: number | undefined, profile: string): Proc {
  const args = [join(ROOT, 'bin', 'metallbts.js'), 'memberlist', '--name', name, '--bind', `127.0.0.1:${port}`, '--secret', SECRET, '--profile', profile];
  if (joinPort !== undefined) args.push('--join', `127.0.0.1:${joinPort}`);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, METALLBTS_LOG_LEVEL: 'error' } });
  const p: Proc = { name, port, child, lines: [] };
  let buf = '';
  child.stdout!.on('data', (d: Buffer) => {
    const at = Date.now();
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      try {
        const o = JSON.parse(l) as { event: string; node?: string };
        p.lines.push({ at, event: o.event, node: o.node });
      } catch {
        /* ignore */
      }
    }
  });
  return p;
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

/** Last join/dead/left state each process reported for `node`. */
function sees(p: Proc, node: string, since = 0): string | undefined {
  let st: string | undefined;
  for (const l of p.lines) if (l.node === node && l.at >= since && ['join', 'dead', 'left', 'alive', 'suspect'].includes(l.event)) st = l.event;
  return st;
}

async function measure(size: number, profile: string, kills: number, portBase: number): Promise<{ times: number[]; falseDead: number }> {
  const procs: Proc[] = [];
  const all: Proc[] = [];
  const times: number[] = [];
  const killed: Array<{ name: string; from: number; to: number }> = [];
  const start = Date.now();
  try {
    for (let i = 0; i < size; i++) procs.push(startNode(`n${i}`, portBase + i, i === 0 ? undefined : portBase, profile));
    all.push(...procs);
    const allJoined = (): boolean => procs.every((p) => procs.every((q) => q === p || sees(p, q.name) === 'join' || sees(p, q.name) === 'alive'));
    if (!(await waitFor(allJoined, 30_000))) throw new Error(`${size}-node ${profile} cluster did not form`);
    await new Promise((r) => setTimeout(r, 1000));
    for (let k = 0; k < kills; k++) {
      const idx = 1 + (k % (size - 1)); // keep n0 (the seed) so restarts can join it
      const victim = procs[idx];
      const t0 = Date.now();
      victim.child.kill('SIGKILL');
      const survivors = procs.filter((p) => p !== victim);
      const ok = await waitFor(() => survivors.every((p) => p.lines.some((l) => l.at >= t0 && l.node === victim.name && l.event === 'dead')), 60_000);
      if (!ok) throw new Error(`kill ${k}: not every survivor saw ${victim.name} dead within 60 s`);
      const detected = Math.max(...survivors.map((p) => p.lines.find((l) => l.at >= t0 && l.node === victim.name && l.event === 'dead')!.at));
      times.push(detected - t0);
      // Restart the victim under the same name; it refutes the old death and rejoins.
      const back = startNode(victim.name, victim.port, portBase, profile);
      procs[idx] = back;
      all.push(back);
      const t1 = Date.now();
      const rejoined = await waitFor(
        () => survivors.every((p) => p.lines.some((l) => l.at >= t1 && l.node === back.name && (l.event === 'join' || l.event === 'alive'))) && procs.every((q) => q === back || sees(back, q.name) === 'join' || sees(back, q.name) === 'alive'),
        60_000,
      );
      if (!rejoined) throw new Error(`kill ${k}: ${victim.name} did not rejoin`);
      killed.push({ name: victim.name, from: t0, to: Date.now() });
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 500));
    }
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
  }
  // A "dead" report outside a kill window of that node is a false positive.
  let falseDead = 0;
  for (const p of all)
    for (const l of p.lines)
      if (l.event === 'dead' && !killed.some((k) => k.name === l.node && l.at >= k.from && l.at <= k.to + 2000)) {
        falseDead++;
        if (process.env.BENCH_MEMBERLIST_DEBUG) process.stderr.write(`false dead: ${p.name} saw ${l.node} at +${l.at - start} ms; kills ${JSON.stringify(killed.map((k) => [k.name, k.from - start, k.to - start]))}\n`);
      }
  return { times, falseDead };
}

export async function run(): Promise<void> {
  const sizes = (process.env.BENCH_MEMBERLIST_SIZES ?? '3,10').split(',').map(Number);
  const profiles = (process.env.BENCH_MEMBERLIST_PROFILES ?? 'fast,lan').split(',');
  let portBase = BASE_PORT;
  for (const profile of profiles) {
    const kills = Number(process.env.BENCH_MEMBERLIST_KILLS ?? 20);
    for (const size of sizes) {
      const r = await measure(size, profile, kills, portBase);
      const times = r.times.sort((a, b) => a - b);
      portBase += size + 5;
      process.stdout.write(
        `memberlist detection ${profile} n=${size} kills=${times.length}: p50 ${pct(times, 50)} ms, p99 ${pct(times, 99)} ms, max ${times[times.length - 1]} ms, false dead reports ${r.falseDead} (all ${times.join(',')})\n`,
      );
    }
  }
}

if (require.main === module) {
  run().catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exitCode = 1;
  });
}
