// ARP responder throughput and reply latency between namespaces (real `l2 announce`, real AF_PACKET), against the kernel's own ARP replies measured the same way in the same run.
//
// Load: test/bench/tools/arpflood.c (paced or unpaced open-loop requests, kernel receive
// timestamps, percentiles) and an `arping` flood (Debian's arping 2.x has no flood flag: `-W` is
// the wait between requests, so `-W 0.000001` sends back to back; several processes with distinct
// `-S` sender IPs). Each process's own answers are `received − extra` (every arping sees all replies).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { canRunNetns, haveTool, L2Lab, must, REPO, run as runCmd, sleep } from '../integration/layer2/netns-lab';

const VIP = '192.168.1.240';
const DURATION_MS = Number(process.env.L2_BENCH_MS ?? 3000);
const FIXED_RATE = Number(process.env.L2_BENCH_RATE ?? 10_000);
const GOAL_RATE = 50_000;
/** arping flood sizes to run (processes); on 2 cores two busy arpings leave the responder no core of its own. */
const ARPING_PROCS = (process.env.L2_BENCH_ARPINGS ?? '1,2').split(',').map(Number).filter((n) => n > 0);
const TOOL_SRC = join(REPO, 'test', 'bench', 'tools', 'arpflood.c');
/** Nice value for the responder (e.g. -10 on a machine shared with other jobs: the kernel's replies run in softirq and never wait for a core). */
const NICE = Number(process.env.L2_BENCH_NICE ?? 0);
/** Niceness of the arping flooders: on a LAN the flood comes from other hosts; here it shares the responder's 2 cores. */
const FLOOD_NICE = Number(process.env.L2_BENCH_FLOOD_NICE ?? 0);
/**
 * Where the arping rows run: `shared` = flooders, probe and responder on every core (the flooders'
 * busy loops take the responder's CPU, which a flood from the LAN would not); `split` = flooders
 * and probe on CPU 0, the responder on the others, as when the flood comes from another host
 * (the kernel baseline gets the same split: its answers run in the flooders' softirq).
 */
const PLACEMENTS = (process.env.L2_BENCH_PLACEMENTS ?? (cpus().length >= 2 ? 'shared,split' : 'shared')).split(',').filter((p): p is Placement => p === 'shared' || p === 'split');
type Placement = 'shared' | 'split';
const ALL_CPUS = `0-${cpus().length - 1}`;

interface FloodResult {
  sent: number;
  answered: number;
  replies: number;
  reused: number;
  seconds: number;
  offered: number;
  rate: number;
  /** Replies with a latency (arpflood.c). */
  matched: number;
  p50us: number;
  p90us: number;
  p99us: number;
  maxus: number;
}

interface Figures {
  fixed: FloodResult;
  goal: FloodResult;
  max: FloodResult;
  arping: Array<{ procs: number; placement: Placement; rate: number; probe: FloodResult; cpu: number }>;
  /** Responder CPU (% of one core) per scenario; undefined for the kernel. */
  cpu?: { fixed: number; goal: number; max: number };
}

/** Compiles the flooder into a cache dir keyed by its source hash (idempotent; a stale binary is never reused). */
export function buildFlooder(): string {
  const src = readFileSync(TOOL_SRC);
  const hash = createHash('sha256').update(src).digest('hex').slice(0, 16);
  const dir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'metallbts', 'bench');
  const bin = join(dir, `arpflood-${hash}`);
  if (existsSync(bin)) return bin;
  mkdirSync(dir, { recursive: true });
  const tmp = `${bin}.${process.pid}.tmp`;
  must('cc', ['-O2', '-Wall', '-Wextra', '-o', tmp, TOOL_SRC], 60_000);
  renameSync(tmp, bin);
  return bin;
}

/** utime + stime of a process in clock ticks (USER_HZ = 100 on Linux). */
function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/** Runs `fn` and returns its result with the CPU share (% of one core) `pid` used meanwhile. */
async function withCpu<T>(pid: number | undefined, fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = process.hrtime.bigint();
  const c0 = pid ? cpuTicks(pid) : 0;
  const r = await fn();
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return [r, pid ? ((cpuTicks(pid) - c0) / 100 / secs) * 100 : NaN];
}

/**
 * Sender-IP slots: a reply is matched to its request while the latency stays under slots / rate.
 * The kernel keeps a neighbour entry per sender it answers (a global table, 1024 entries by
 * default), so its baseline uses few slots (512: 10 ms at 50k/s, its latency is µs); the
 * responder creates none, so it gets 65536 (1.3 s at 50k/s).
 */
const KERNEL_SLOTS = 512;
const RESPONDER_SLOTS = 65536;
let slots = KERNEL_SLOTS;

/** Runs `cmd` on the given CPUs (taskset). */
const onCpus = (list: string, cmd: string, args: string[]): [string, string[]] => ['taskset', ['-c', list, cmd, ...args]];

/** Moves every thread of `pid` to the given CPUs. */
function pin(pid: number | undefined, list: string): void {
  if (pid) must('taskset', ['-a', '-p', '-c', list, String(pid)], 10_000);
}

async function flood(lab: L2Lab, tool: string, target: string, rate: number, cpusList = ALL_CPUS): Promise<FloodResult> {
  const r = await lab.execAsync(lab.client.ns, ...onCpus(cpusList, tool, ['eth0', target, String(rate), String(DURATION_MS), String(slots)]), DURATION_MS + 20_000);
  const line = r.stdout.trim().split('\n').pop() ?? '';
  if (r.code !== 0 || !line.startsWith('{')) throw new Error(`arpflood failed (${r.code}): ${r.stderr.slice(-1000)}`);
  return JSON.parse(line) as FloodResult;
}

/** `procs` back-to-back arpings plus a paced arpflood probe (latency) at FIXED_RATE, all at once. */
async function arpingFlood(lab: L2Lab, tool: string, target: string, procs: number, placement: Placement): Promise<{ rate: number; probe: FloodResult }> {
  const secs = Math.max(1, Math.round(DURATION_MS / 1000));
  const floodCpus = placement === 'split' ? '0' : ALL_CPUS;
  const dir = mkdtempSync(join(tmpdir(), 'mlbts-arping-'));
  try {
    // One line per reply would make this process parse 100k lines/s on the responder's cores: to a file, summary read after.
    const arpings = Array.from({ length: procs }, (_, i) => {
      const args = ['nice', '-n', String(FLOOD_NICE), 'arping', '-W', '0.000001', '-c', '10000000', '-w', String(secs), '-S', `10.201.0.${i + 1}`, '-I', 'eth0', target];
      return lab.execAsync(lab.client.ns, ...onCpus(floodCpus, 'sh', ['-c', `exec ${args.join(' ')} > ${join(dir, `arping-${i}.out`)}`]), secs * 1000 + 20_000);
    });
    const probe = flood(lab, tool, target, FIXED_RATE, floodCpus);
    const outs = await Promise.all(arpings);
    let answered = 0;
    outs.forEach((o, i) => {
      const text = readFileSync(join(dir, `arping-${i}.out`), 'utf8').slice(-2000);
      const m = /(\d+) packets transmitted, (\d+) packets received.*\((\d+) extra\)/.exec(text);
      if (!m) throw new Error(`arping output not understood (exit ${o.code}): ${text.slice(-500)} ${o.stderr.slice(-500)}`);
      answered += Number(m[2]) - Number(m[3]);
    });
    return { rate: answered / secs, probe: await probe };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measure(lab: L2Lab, tool: string, target: string, pid?: number): Promise<Figures> {
  const [fixed, cFixed] = await withCpu(pid, () => flood(lab, tool, target, FIXED_RATE));
  const [goal, cGoal] = await withCpu(pid, () => flood(lab, tool, target, GOAL_RATE));
  const [max, cMax] = await withCpu(pid, () => flood(lab, tool, target, 0));
  const arping: Figures['arping'] = [];
  for (const placement of PLACEMENTS) {
    // The bench process itself stays with the flooders: it is the other host too.
    pin(process.pid, placement === 'split' ? '0' : ALL_CPUS);
    pin(pid, placement === 'split' ? `1-${cpus().length - 1}` : ALL_CPUS);
    try {
      for (const procs of ARPING_PROCS) {
        const [a, cpu] = await withCpu(pid, () => arpingFlood(lab, tool, target, procs, placement));
        arping.push({ procs, placement, ...a, cpu });
      }
    } finally {
      pin(pid, ALL_CPUS);
      pin(process.pid, ALL_CPUS);
    }
  }
  return { fixed, goal, max, arping, cpu: pid ? { fixed: cFixed, goal: cGoal, max: cMax } : undefined };
}

/** Starts `l2 announce` in the node namespace (stdout to /dev/null: the bench must not parse 50k lines/s) and waits until it answers. */
async function startResponder(lab: L2Lab, logLevel: string): Promise<{ pid: number; stop: () => Promise<void> }> {
  const node = lab.nodes[0]!;
  const bin = join(REPO, 'bin', 'metallbts.js');
  const cmd = `exec nice -n ${NICE} ${process.execPath} ${bin} l2 announce --interface eth0 --ip ${VIP} --log-level ${logLevel} > /dev/null`;
  const p = lab.spawn(node.ns, 'sh', ['-c', cmd]);
  for (let i = 0; i < 40 && !/bytes from/.test(lab.exec(lab.client.ns, 'arping', ['-c', '1', '-w', '1', '-I', 'eth0', VIP]).stdout); i++) await sleep(250);
  if (!p.pid) throw new Error('l2 announce did not start');
  const pid = p.pid;
  return {
    pid,
    // Waits for the exit (bounded): a slow stop under load must not overlap the next responder.
    stop: async () => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      const exited = new Promise<void>((r) => p.once('exit', () => r()));
      p.kill('SIGTERM');
      const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const us = (v: number): string => `${Math.round(v)} µs`;
const k = (v: number): string => `${(v / 1000).toFixed(1)}k/s`;
const pct = (v: number | undefined): string => (v === undefined || Number.isNaN(v) ? '' : `, responder CPU ${Math.round(v)}%`);

function print(name: string, f: Figures, kernel?: Figures): void {
  const ratio = (ours: number, base: number | undefined): string => (base ? ` (${(ours / base).toFixed(2)}× kernel)` : '');
  const lines = [
    `${name}: paced ${k(FIXED_RATE)}: ${f.fixed.answered}/${f.fixed.sent} answered, p50 ${us(f.fixed.p50us)}, p99 ${us(f.fixed.p99us)}${ratio(f.fixed.p99us, kernel?.fixed.p99us)}, max ${us(f.fixed.maxus)}${pct(f.cpu?.fixed)}`,
    `${name}: paced ${k(GOAL_RATE)}: ${k(f.goal.rate)} answered (${f.goal.answered}/${f.goal.sent}), p50 ${us(f.goal.p50us)}, p99 ${us(f.goal.p99us)}${ratio(f.goal.p99us, kernel?.goal.p99us)}${pct(f.cpu?.goal)}`,
    `${name}: saturation (unpaced, ${k(f.max.offered)} offered): ${k(f.max.rate)} answered${ratio(f.max.rate, kernel?.max.rate)}, p50 ${us(f.max.p50us)}, p99 ${us(f.max.p99us)}${pct(f.cpu?.max)}`,
    ...f.arping.map((a, i) => {
      const base = kernel?.arping[i];
      return (
        `${name}: arping flood (${a.procs}× arping -W 0.000001${FLOOD_NICE ? `, nice ${FLOOD_NICE}` : ''}, ${a.placement === 'split' ? 'flood on CPU 0, responder on the rest' : 'all on all CPUs'}): ${k(a.rate)} answered${ratio(a.rate, base?.rate)}; probe ${k(FIXED_RATE)} during it: ` +
        `${a.probe.answered}/${a.probe.sent} answered, p50 ${us(a.probe.p50us)}, p99 ${us(a.probe.p99us)}${ratio(a.probe.p99us, base?.probe.p99us)}${kernel ? pct(a.cpu) : ''}`
      );
    }),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The issue's goals against the run at the speaker's log level (no line per request). */
function verdict(f: Figures): string {
  const worst = (p: Placement): number | undefined => {
    const rows = f.arping.filter((a) => a.placement === p);
    return rows.length ? Math.max(...rows.map((a) => a.probe.p99us)) : undefined;
  };
  const rate = f.max.rate;
  const parts = [`≥ 50k replies/s: ${rate >= GOAL_RATE ? 'met' : 'NOT met'} (${k(rate)})`];
  for (const p of PLACEMENTS) {
    const w = worst(p);
    if (w === undefined) continue;
    const where = p === 'split' ? 'flood from another host (split)' : 'flooders on the same cores (shared)';
    parts.push(`p99 < 1 ms under arping floods, ${where}: ${w < 1000 ? 'met' : 'not met'} (worst ${us(w)})`);
  }
  return `goals (log warn): ${parts.join('; ')}`;
}

export async function run(): Promise<void> {
  if (!canRunNetns() || !haveTool('cc') || !haveTool('arping')) {
    process.stdout.write('layer2 bench skipped: needs root, iproute2, cc and arping\n');
    return;
  }
  const tool = buildFlooder();
  process.stdout.write(`load before: ${readFileSync('/proc/loadavg', 'utf8').trim()} (2 cores shared with other work: latency tails follow the load)\n`);
  const lab = new L2Lab(1, 'bench');
  try {
    lab.up();
    const node = lab.nodes[0]!;
    // Kernel baseline: the node's own eth0 address, answered in-kernel (arp_ignore=1 allows it: it is on eth0).
    runCmd('ip', ['netns', 'exec', node.ns, 'sysctl', '-qw', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0']);
    slots = KERNEL_SLOTS;
    const kernel = await measure(lab, tool, node.ip4);
    slots = RESPONDER_SLOTS;
    print('kernel', kernel);
    let speaker: Figures | undefined;
    for (const level of (process.env.L2_BENCH_LEVELS ?? 'warn,info').split(',')) {
      const r = await startResponder(lab, level);
      try {
        const f = await measure(lab, tool, VIP, r.pid);
        print(`l2 announce (log ${level}${NICE ? `, nice ${NICE}` : ''})`, f, kernel);
        if (level === 'warn') speaker = f;
      } finally {
        await r.stop();
      }
    }
    if (speaker) process.stdout.write(`${verdict(speaker)}\n`);
    process.stdout.write(`load after: ${readFileSync('/proc/loadavg', 'utf8').trim()}\n`);
  } finally {
    lab.down();
  }
}
