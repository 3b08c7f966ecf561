// Layer2 failover time: 3 real Layer2Announcers (memberlist fast / lan) in namespaces, a client polling the VIP over HTTP every 20 ms;
// the owner node crashes (SIGKILL of its speaker + its link down) and we time kill → first successful request served by another node.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { electionOrder } from '../../plugins/layer2/owner-election';
import type { HttpProbe } from '../integration/layer2/client-probe';
import { LAYER2_DIST as dist, spawnAnnouncer, startBackends } from '../integration/layer2/announcer-lab';
import { canRunNetns, collectLines, ensureBuilt, L2Lab, sleep } from '../integration/layer2/netns-lab';
import { until } from '../support/until';

const VIP = '192.168.1.240';
const PORT = 8080;
const NAMES = ['node-a', 'node-b', 'node-c'];
const KILLS = Math.max(1, Math.min(500, Number(process.env.BENCH_FAILOVER_KILLS ?? 20) || 20));
const POLL_MS = 20;
const PROFILES = (process.env.BENCH_FAILOVER_PROFILES ?? 'fast,lan').split(',').filter((p): p is 'fast' | 'lan' => p === 'fast' || p === 'lan');

const quantile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;

interface ProfileResult {
  profile: string;
  samples: number[];
  /** Kills after which traffic never came back within the bound, or the cluster did not re-converge. */
  lost: number;
}

async function measureProfile(profile: 'fast' | 'lan'): Promise<ProfileResult> {
  const lab = new L2Lab(3, `bfo${profile[0]}`);
  const order = electionOrder(NAMES, VIP);
  const owner = NAMES.indexOf(order[0]!);
  const samples: number[] = [];
  let lost = 0;
  try {
    lab.up([VIP]);
    await startBackends(lab, NAMES, PORT);
    const speakers: ChildProcess[] = [];
    const logs: Array<Array<Record<string, unknown>>> = [];
    const startSpeaker = (i: number): void => {
      const { proc, lines } = spawnAnnouncer(lab, NAMES, i, VIP, profile, { requestLogLevel: 'debug' });
      speakers[i] = proc;
      logs[i] = lines;
    };
    for (let i = 0; i < NAMES.length; i++) startSpeaker(i);
    const converged = (): boolean =>
      logs.every((ls) => {
        const dcs = [...ls].reverse().find((l) => l.event === 'decision');
        return Array.isArray(dcs?.members) && (dcs.members as string[]).length === NAMES.length;
      });
    const poller = lab.spawn(lab.client.ns, process.execPath, [join(dist, 'client-probe.js'), 'http', `http://${VIP}:${PORT}/`, String(POLL_MS), '200', String(40 * 60_000)]);
    const probes = collectLines(poller) as unknown as HttpProbe[];
    /** The last `n` probes sent after `since` all succeeded from `body`. */
    const steady = (since: number, body: string, n = 25): boolean => {
      const after = probes.filter((p) => p.kind === 'http' && p.t > since);
      return after.length >= n && after.slice(-n).every((p) => p.ok && p.body === body);
    };
    // Before memberlist joins, every speaker may announce; let those gratuitous rounds (5 s) end first.
    if (!(await until(converged, 60_000))) throw new Error(`${profile}: speakers did not converge`);
    await sleep(6000);
    let since = Date.now();
    for (let k = 0; k < KILLS; k++) {
      // Steady state: all three members everywhere, the sha256-first node serving (25 requests in a row).
      if (!(await until(() => converged() && steady(since, order[0]!), 90_000))) {
        process.stdout.write(`  ${profile}: cluster did not re-converge before kill ${k + 1}; stopping this profile\n`);
        lost += KILLS - k;
        break;
      }
      await sleep(300);
      const ns = lab.nodes[owner]!.ns;
      const killedAt = Date.now();
      // Node crash: its link goes down and its speaker dies without a memberlist leave.
      lab.exec(ns, 'ip', ['link', 'set', 'eth0', 'down']);
      speakers[owner]!.kill('SIGKILL');
      const back = await until(() => probes.some((p) => p.kind === 'http' && p.ok && p.t >= killedAt && p.body !== order[0]), 30_000, 5);
      if (back) {
        const first = probes.filter((p) => p.kind === 'http' && p.ok && p.t >= killedAt && p.body !== order[0]).sort((a, b) => a.t + a.ms - (b.t + b.ms))[0]!;
        samples.push(first.t + first.ms - killedAt);
      } else {
        lost++;
      }
      process.stdout.write(`  ${profile} kill ${k + 1}/${KILLS}: ${back ? `${samples[samples.length - 1]} ms` : 'no traffic within 30 s'}\n`);
      // The node comes back (link up, speaker restarted) and, first in sha256 order, owns the VIP again.
      lab.exec(ns, 'ip', ['link', 'set', 'eth0', 'up']);
      await new Promise<void>((r) => (speakers[owner]!.exitCode !== null || speakers[owner]!.signalCode !== null ? r() : speakers[owner]!.once('exit', () => r())));
      startSpeaker(owner);
      since = Date.now();
    }
    poller.kill('SIGTERM');
    await sleep(500);
  } finally {
    lab.down();
  }
  return { profile, samples, lost };
}

export async function run(): Promise<void> {
  if (!canRunNetns()) {
    process.stdout.write('layer2-failover bench skipped: needs root and iproute2\n');
    return;
  }
  if (!__filename.endsWith('.js')) {
    process.stdout.write('layer2-failover bench skipped: run from dist (npm run bench)\n');
    return;
  }
  ensureBuilt();
  const results: ProfileResult[] = [];
  for (const profile of PROFILES) results.push(await measureProfile(profile));
  for (const r of results) {
    const s = [...r.samples].sort((a, b) => a - b);
    const mean = s.reduce((a, b) => a + b, 0) / Math.max(1, s.length);
    process.stdout.write(
      `layer2 failover (memberlist ${r.profile}, ${s.length} kills${r.lost ? `, ${r.lost} without recovery` : ''}, client polls every ${POLL_MS} ms): ` +
        `p50 ${quantile(s, 0.5)} ms, p99 ${quantile(s, 0.99)} ms, mean ${mean.toFixed(0)} ms, min ${s[0]} ms, max ${s[s.length - 1]} ms\n`,
    );
  }
  process.stdout.write('goal (fast): p50 ≤ 1000 ms, p99 ≤ 2000 ms\n');
}
