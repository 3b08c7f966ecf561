// Memberlist failure detection: N member processes on loopback, SIGKILL one, time until every
// survivor reports it dead (p50/p99/max), per profile and size, with and without background CPU
// load, plus false suspicions/deaths (members reported suspect/dead that were not killed).
// Baseline in the same run: the `lan` profile (hashicorp DefaultLANConfig) and Go's formula.
// Env: BENCH_MEMBERLIST_SIZES (3,10) BENCH_MEMBERLIST_PROFILES (fast,lan) BENCH_MEMBERLIST_KILLS
// (20, the minimum) BENCH_MEMBERLIST_LOADS (none,nice,duty; `lan` runs unloaded only)
// BENCH_MEMBERLIST_TIMINGS (JSON timing overrides: members then run this file's own member mode
// instead of the CLI, to try values) BENCH_MEMBERLIST_DEBUG (print every false positive).
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus, loadavg, setPriority } from 'node:os';
import { join } from 'node:path';
import { onJsonLines } from '../support/json-lines';
import { Memberlist } from '../../src/memberlist';
import { MemberlistTimings, ProfileName, profileTimings } from '../../src/memberlist/profiles';

const ROOT = [join(__dirname, '..', '..', '..'), join(__dirname, '..', '..')].find((d) => existsSync(join(d, 'dist', 'src', 'cli', 'main.js'))) ?? join(__dirname, '..', '..', '..');
const SECRET = 'BenchBenchBenchBenchBe';
const BASE_PORT = Number(process.env.BENCH_MEMBERLIST_BASE_PORT ?? 27946);
const TIMINGS = process.env.BENCH_MEMBERLIST_TIMINGS;

/** none: idle machine; nice: one busy loop per core at nice 19; duty: one 50 % busy loop per core at nice 0. */
type LoadKind = 'none' | 'nice' | 'duty';

interface Proc {
  name: string;
  port: number;
  child: ChildProcess;
  lines: Array<{ at: number; event: string; node?: string }>;
}

interface Row {
  profile: string;
  size: number;
  load: LoadKind;
  /** Kill → every survivor reported dead. */
  times: number[];
  /** Kill → first survivor reported suspect / dead. */
  firstSuspect: number[];
  firstDead: number[];
  falseSuspect: number;
  falseDead: number;
  loadBefore: number;
  loadAfter: number;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

function sorted(xs: number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}

/** Every child we started, killed if the bench itself is interrupted. */
const children = new Set<ChildProcess>();
function track(c: ChildProcess): ChildProcess {
  children.add(c);
  c.once('exit', () => children.delete(c));
  return c;
}

function startNode(name: string, port: number, joinPort: number | undefined, profile: string): Proc {
  const common = ['--name', name, '--bind', `127.0.0.1:${port}`, '--secret', SECRET, '--profile', profile];
  const args = TIMINGS ? [__filename, 'member', ...common] : [join(ROOT, 'bin', 'metallbts.js'), 'memberlist', ...common];
  if (joinPort !== undefined) args.push('--join', `127.0.0.1:${joinPort}`);
  const child = track(spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, METALLBTS_LOG_LEVEL: 'error' } }));
  const p: Proc = { name, port, child, lines: [] };
  onJsonLines(child.stdout!, (parsed, at) => {
    const o = parsed as { event: string; node?: string; ms?: number };
    p.lines.push({ at, event: o.event, node: o.node });
    if (o.event === 'stall' && process.env.BENCH_MEMBERLIST_DEBUG) process.stderr.write(`stall ${name} ${o.ms} ms at ${at}\n`);
  });
  return p;
}

/** Background CPU load: one child per core, killed by the returned function. */
function startLoad(kind: LoadKind): () => void {
  if (kind === 'none') return () => undefined;
  const code = kind === 'nice' ? 'for(;;){}' : 'setInterval(()=>{const e=Date.now()+20;while(Date.now()<e){}},40)';
  const kids = cpus().map(() => track(spawn(process.execPath, ['-e', code], { stdio: 'ignore' })));
  if (kind === 'nice') for (const k of kids) if (k.pid) setPriority(k.pid, 19);
  return () => {
    for (const k of kids) k.kill('SIGKILL');
  };
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}

/** Last join/alive/suspect/dead/left event each process reported for `node`. */
function sees(p: Proc, node: string): string | undefined {
  let st: string | undefined;
  for (const l of p.lines) if (l.node === node && ['join', 'dead', 'left', 'alive', 'suspect'].includes(l.event)) st = l.event;
  return st;
}

function firstAt(ps: Proc[], node: string, event: string, since: number): number[] {
  return ps.flatMap((p) => {
    const l = p.lines.find((x) => x.at >= since && x.node === node && x.event === event);
    return l ? [l.at] : [];
  });
}

async function measure(size: number, profile: string, load: LoadKind, kills: number, portBase: number): Promise<Row> {
  const procs: Proc[] = [];
  const all: Proc[] = [];
  const row: Row = { profile, size, load, times: [], firstSuspect: [], firstDead: [], falseSuspect: 0, falseDead: 0, loadBefore: loadavg()[0]!, loadAfter: 0 };
  const killed: Array<{ name: string; from: number; to: number }> = [];
  const stopLoad = startLoad(load);
  let formed = 0;
  try {
    for (let i = 0; i < size; i++) procs.push(startNode(`n${i}`, portBase + i, i === 0 ? undefined : portBase, profile));
    all.push(...procs);
    const allJoined = (): boolean => procs.every((p) => procs.every((q) => q === p || sees(p, q.name) === 'join' || sees(p, q.name) === 'alive'));
    if (!(await waitFor(allJoined, 30_000))) throw new Error(`${size}-node ${profile} cluster did not form`);
    await new Promise((r) => setTimeout(r, 1000));
    formed = Date.now();
    for (let k = 0; k < kills; k++) {
      const idx = 1 + (k % (size - 1)); // keep n0 (the seed) so restarts can join it
      const victim = procs[idx]!;
      const t0 = Date.now();
      victim.child.kill('SIGKILL');
      const survivors = procs.filter((p) => p !== victim);
      const ok = await waitFor(() => firstAt(survivors, victim.name, 'dead', t0).length === survivors.length, 60_000);
      if (!ok) throw new Error(`kill ${k}: not every survivor saw ${victim.name} dead within 60 s`);
      row.times.push(Math.max(...firstAt(survivors, victim.name, 'dead', t0)) - t0);
      row.firstDead.push(Math.min(...firstAt(survivors, victim.name, 'dead', t0)) - t0);
      const suspects = firstAt(survivors, victim.name, 'suspect', t0);
      row.firstSuspect.push(suspects.length > 0 ? Math.min(...suspects) - t0 : row.firstDead[row.firstDead.length - 1]!);
      if (process.env.BENCH_MEMBERLIST_DEBUG)
        process.stderr.write(`kill ${k} ${victim.name}: first suspect ${row.firstSuspect[k]} first dead ${row.firstDead[k]} all dead ${row.times[k]} ms\n`);
      // Restart the victim under the same name; it refutes the old death and rejoins.
      const back = startNode(victim.name, victim.port, portBase, profile);
      procs[idx] = back;
      all.push(back);
      const t1 = Date.now();
      const rejoined = await waitFor(
        () =>
          survivors.every((p) => p.lines.some((l) => l.at >= t1 && l.node === back.name && (l.event === 'join' || l.event === 'alive'))) &&
          procs.every((q) => q === back || sees(back, q.name) === 'join' || sees(back, q.name) === 'alive'),
        60_000,
      );
      if (!rejoined) throw new Error(`kill ${k}: ${victim.name} did not rejoin`);
      killed.push({ name: victim.name, from: t0, to: Date.now() });
      await new Promise((r) => setTimeout(r, 500 + Math.random() * 500));
    }
  } finally {
    for (const p of procs) p.child.kill('SIGKILL');
    stopLoad();
  }
  row.loadAfter = loadavg()[0]!;
  // A suspect/dead report after formation and outside a kill window of that node is a false positive.
  for (const p of all)
    for (const l of p.lines) {
      if ((l.event !== 'dead' && l.event !== 'suspect') || l.at < formed) continue;
      if (killed.some((k) => k.name === l.node && l.at >= k.from && l.at <= k.to + 2000)) continue;
      if (l.event === 'dead') row.falseDead++;
      else row.falseSuspect++;
      if (process.env.BENCH_MEMBERLIST_DEBUG) process.stderr.write(`false ${l.event}: ${p.name} saw ${l.node} at ${l.at} (+${l.at - formed} ms after formation)\n`);
    }
  return row;
}

/** Go's detection time for a SIGKILLed node when confirmations arrive in time: probe + suspicion min. */
function formulaMs(t: { probeIntervalMs: number; suspicionMult: number }, n: number): { lo: number; hi: number } {
  const lo = t.probeIntervalMs + t.suspicionMult * Math.max(1, Math.log10(n)) * t.probeIntervalMs;
  // Worst case one more round until a survivor probes it: each survivor probes it every (n-1) intervals.
  return { lo, hi: lo + (n - 1) * t.probeIntervalMs };
}

function fmtRow(r: Row): string {
  const t = sorted(r.times);
  const p50 = (xs: number[]): number => pct(sorted(xs), 50);
  return (
    `memberlist detection ${r.profile} n=${r.size} load=${r.load} kills=${t.length}: p50 ${pct(t, 50)} ms, p99 ${pct(t, 99)} ms, max ${t[t.length - 1]} ms; ` +
    `p50 first suspect ${p50(r.firstSuspect)} / first dead ${p50(r.firstDead)} ms; false suspect ${r.falseSuspect}, false dead ${r.falseDead}; ` +
    `loadavg ${r.loadBefore.toFixed(1)}→${r.loadAfter.toFixed(1)} (all ${t.join(',')})\n`
  );
}

export async function run(): Promise<void> {
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(sig, () => {
      for (const c of children) c.kill('SIGKILL');
      process.exit(1);
    });
  const sizes = (process.env.BENCH_MEMBERLIST_SIZES ?? '3,10').split(',').map(Number);
  const profiles = (process.env.BENCH_MEMBERLIST_PROFILES ?? 'fast,lan').split(',');
  const loads = (process.env.BENCH_MEMBERLIST_LOADS ?? 'none,nice,duty').split(',') as LoadKind[];
  const kills = Number(process.env.BENCH_MEMBERLIST_KILLS ?? 20);
  if (TIMINGS) process.stdout.write(`timing overrides (own member mode, not the CLI): ${TIMINGS}\n`);
  let portBase = BASE_PORT;
  const rows: Row[] = [];
  for (const profile of profiles)
    for (const load of profile === 'lan' ? (['none'] as LoadKind[]) : loads)
      for (const size of sizes) {
        const r = await measure(size, profile, load, kills, portBase);
        portBase += size + 5;
        rows.push(r);
        process.stdout.write(fmtRow(r));
      }
  for (const r of rows) {
    const f = formulaMs(profileTimings(r.profile as ProfileName, TIMINGS ? (JSON.parse(TIMINGS) as Partial<MemberlistTimings>) : {}), r.size);
    const lan = rows.find((x) => x.profile === 'lan' && x.size === r.size);
    const p50 = pct(sorted(r.times), 50);
    const vsLan = lan && lan !== r ? `, ${(pct(sorted(lan.times), 50) / p50).toFixed(1)}× faster than lan (p50 ${pct(sorted(lan.times), 50)} ms)` : '';
    process.stdout.write(
      `baseline ${r.profile} n=${r.size} load=${r.load}: hashicorp formula ProbeInterval × (1 + SuspicionMult × max(1, log10 n)) = ${f.lo} ms ` +
        `(… ${f.hi} ms if no survivor probes it for a round); measured p50/formula ${(p50 / f.lo).toFixed(2)}${vsLan}\n`,
    );
  }
}

/** Member mode (BENCH_MEMBERLIST_TIMINGS): like `metallbts memberlist`, with timing overrides. */
async function member(argv: string[]): Promise<void> {
  const arg = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const [host, port] = arg('--bind')!.split(':');
  const ml = await Memberlist.create({
    name: arg('--name')!,
    bindAddr: host!,
    bindPort: Number(port),
    secret: arg('--secret'),
    profile: arg('--profile') as ProfileName,
    timings: JSON.parse(TIMINGS ?? '{}') as Partial<MemberlistTimings>,
  });
  const out = (o: Record<string, unknown>): boolean => process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), ...o })}\n`);
  ml.on('change', (event, n) => out({ event, node: n.name }));
  // Report event-loop stalls so false positives can be told apart from protocol faults.
  let last = Date.now();
  setInterval(() => {
    const lag = Date.now() - last - 20;
    if (lag > 100) out({ event: 'stall', ms: lag });
    last = Date.now();
  }, 20);
  const peer = arg('--join');
  for (let i = 0; peer && i < 100; i++) {
    try {
      await ml.join([peer]);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

if (require.main === module) {
  const main = process.argv[2] === 'member' ? member(process.argv.slice(3)) : run();
  main.catch((err) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exitCode = 1;
  });
}
