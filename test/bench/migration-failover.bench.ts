// Layer2 failover in a mixed cluster (real MetalLB v0.16.2 speakers on node-a/node-c, metallbts on node-b/node-d), beside
// metallbts-only and MetalLB-only clusters (defaults, and memberlist tuned to our fast timings through MetalLB's v0.16
// memberlist config file), all measured in this run: a client polls two VIPs over HTTP every 20 ms; node-a (owner of .240,
// next node-d) and node-d (owner of .241, next node-c) crash in turn (link down + SIGKILL); time = crash → first request
// answered by another node. In the mixed cluster that is MetalLB → metallbts, then metallbts → MetalLB.
import { join } from 'node:path';
import { startControlPlane } from '../harness/apiserver';
import { kubectlJson, kubectlOk } from '../harness/kubectl';
import type { HttpProbe } from '../integration/layer2/client-probe';
import { canRunNetns, collectLines, ensureBuilt, REPO, sleep } from '../integration/layer2/netns-lab';
import { applyServices, metallbSpeaker, MixedCluster, NAMES, shaOrder, type SpeakerKind } from '../integration/migration/mixed-cluster';
import { until } from '../support/until';
import type { KeyDerivation } from '../../src/memberlist/key-derivation';

const CASES = [
  { victim: 'node-a', vip: '192.168.1.240' },
  { victim: 'node-d', vip: '192.168.1.241' },
];
const PORT = 8080;
const POLL_MS = 20;
const KILLS = Math.max(1, Math.min(100, Number(process.env.BENCH_MIXED_KILLS ?? 3) || 3));
const METALLB = process.env.BENCH_MIXED_METALLB ?? 'v0.16.2';
/** The derivation MetalLB `METALLB` uses (v0.16.2 changed it), so ours join its memberlist. */
const OURS_KEY: KeyDerivation = /^v0\.(1[0-5]|16\.[01])(\.|$)/.test(METALLB) ? 'metallb-legacy' : 'metallb-v0.16.2';

/** Our `fast` profile in MetalLB's memberlist config file (every field is required there). */
const METALLB_FAST = {
  TCPTimeout: '5s', IndirectChecks: 3, RetransmitMult: 4, SuspicionMult: 2, SuspicionMaxTimeoutMult: 3, PushPullInterval: '15s',
  ProbeTimeout: '60ms', ProbeInterval: '120ms', DisableTcpPings: false, AwarenessMaxMultiplier: 4, GossipNodes: 3, GossipInterval: '50ms',
  GossipToTheDeadTime: '10s', GossipVerifyIncoming: true, GossipVerifyOutgoing: true, EnableCompression: true, HandoffQueueDepth: 1024,
  UDPBufferSize: 1400, QueueCheckInterval: '30s',
};

interface Config {
  label: string;
  kinds: Array<'metallb' | 'metallbts'>;
  oursProfile?: 'lan' | 'fast';
  tuned?: boolean;
}
const CONFIGS: Config[] = [
  { label: `mixed: MetalLB ${METALLB} on a,c + metallbts (lan) on b,d`, kinds: ['metallb', 'metallbts', 'metallb', 'metallbts'], oursProfile: 'lan' },
  { label: 'metallbts only (lan)', kinds: ['metallbts', 'metallbts', 'metallbts', 'metallbts'], oursProfile: 'lan' },
  { label: 'metallbts only (fast)', kinds: ['metallbts', 'metallbts', 'metallbts', 'metallbts'], oursProfile: 'fast' },
  { label: `MetalLB ${METALLB} only (defaults)`, kinds: ['metallb', 'metallb', 'metallb', 'metallb'] },
  { label: `MetalLB ${METALLB} only (memberlist file = our fast timings)`, kinds: ['metallb', 'metallb', 'metallb', 'metallb'], tuned: true },
];

const quantile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? NaN;

interface CaseResult {
  what: string;
  samples: number[];
  lost: number;
}

async function measure(cfg: Config): Promise<CaseResult[]> {
  const cp = await startControlPlane();
  const access = {
    get: () => cp,
    kubectlOk: (args: string[], o?: { input?: string }) => kubectlOk(cp.kubeconfigPath, args, o),
    kubectlJson: <T>(args: string[]) => kubectlJson<T>(cp.kubeconfigPath, args),
  };
  const nodes = NAMES.map((name, i): { name: string; speaker: SpeakerKind } => ({
    name,
    speaker: cfg.kinds[i] === 'metallb' ? { kind: 'metallb', version: METALLB } : { kind: 'metallbts', keyDerivation: OURS_KEY },
  }));
  const cluster = new MixedCluster(access, nodes, `keyringb${CONFIGS.indexOf(cfg)}`, { oursProfile: cfg.oursProfile, metallbMemberlistConfig: cfg.tuned ? METALLB_FAST : undefined });
  let failed = false;
  const results: CaseResult[] = CASES.map((c) => ({ what: `${c.victim} (${cfg.kinds[NAMES.indexOf(c.victim)]}) killed → ${shaOrder(c.vip)[1]}`, samples: [], lost: 0 }));
  try {
    await cluster.prepare(CASES.map((c) => c.vip), () => applyServices(access, CASES.map((c) => c.vip), NAMES));
    const dist = join(REPO, 'dist', 'test', 'integration', 'layer2');
    for (const n of cluster.nodes) {
      const lines = collectLines(cluster.lab.spawn(n.ns, process.execPath, [join(dist, 'client-probe.js'), 'serve', String(PORT), n.name]));
      if (!(await until(() => lines.some((l) => l.listening === PORT), 10_000))) throw new Error(`backend on ${n.name} did not start`);
    }
    await cluster.start();
    const probes = CASES.map((c) => collectLines(cluster.lab.spawn(cluster.lab.client.ns, process.execPath, [join(dist, 'client-probe.js'), 'http', `http://${c.vip}:${PORT}/`, String(POLL_MS), '200', String(60 * 60_000)])) as unknown as HttpProbe[]);
    const steady = (i: number, since: number, body: string, n = 25): boolean => {
      const after = probes[i]!.filter((p) => p.kind === 'http' && p.t > since);
      return after.length >= n && after.slice(-n).every((p) => p.ok && p.body === body);
    };
    let since = Date.now();
    for (let k = 0; k < KILLS; k++) {
      for (const [i, c] of CASES.entries()) {
        const owner = shaOrder(c.vip)[0];
        if (!(await until(() => CASES.every((cc, j) => steady(j, since, shaOrder(cc.vip)[0]!)), 120_000))) {
          process.stdout.write(`  ${cfg.label}: not steady before kill ${k + 1} of ${c.victim}; stopping this configuration\n${cluster.tails(5)}\n`);
          for (const r of results) r.lost += KILLS - k;
          return results;
        }
        await sleep(300);
        const killedAt = Date.now();
        cluster.setLink(c.victim, false);
        cluster.kill(c.victim);
        const back = await until(() => probes[i]!.some((p) => p.kind === 'http' && p.ok && p.t >= killedAt && p.body !== owner), 60_000, 5);
        const first = probes[i]!.find((p) => p.kind === 'http' && p.ok && p.t >= killedAt && p.body !== owner);
        if (back && first) results[i]!.samples.push(first.t + first.ms - killedAt);
        else results[i]!.lost++;
        cluster.setLink(c.victim, true);
        await cluster.restart(c.victim, NAMES.filter((n) => n !== c.victim));
        // A starting MetalLB speaker announces every VIP until its memberlist join completes; the client keeps talking
        // to it (it serves the VIPs too, as IPVS nodes do) and the owners do not re-announce. That start-up claim is
        // not the failover measured here: let its gratuitous rounds end, then make the client resolve the VIPs again.
        await sleep(6000);
        cluster.lab.exec(cluster.lab.client.ns, 'ip', ['neigh', 'flush', 'dev', 'eth0']);
        since = Date.now();
      }
    }
    return results;
  } catch (err) {
    failed = true;
    throw new Error(`${(err as Error).message}\n(speaker logs kept in ${cluster.dir})`);
  } finally {
    cluster.down(failed);
    await cp.stop();
  }
}

export async function run(): Promise<void> {
  if (!canRunNetns()) {
    process.stdout.write('migration-failover: needs root and network namespaces; skipped\n');
    return;
  }
  ensureBuilt();
  metallbSpeaker(METALLB);
  process.stdout.write(`layer2 failover, 4 nodes, ${KILLS} crash(es) per case (link down + SIGKILL), HTTP poll every ${POLL_MS} ms; ms from crash to the first answer from the next owner\n`);
  process.stdout.write(`${'configuration'.padEnd(62)} ${'crash'.padEnd(36)} ${'n'.padStart(3)} ${'p50'.padStart(6)} ${'p99'.padStart(6)} ${'max'.padStart(6)} lost\n`);
  // BENCH_MIXED_CONFIGS=mixed,only (fast): run the configurations whose label contains one of these.
  const only = (process.env.BENCH_MIXED_CONFIGS ?? '').split(',').map((x) => x.trim()).filter(Boolean);
  for (const cfg of CONFIGS.filter((c) => only.length === 0 || only.some((o) => c.label.includes(o)))) {
    let rows: CaseResult[];
    try {
      rows = await measure(cfg);
    } catch (err) {
      process.stdout.write(`${cfg.label.padEnd(62)} FAILED: ${(err as Error).message}\n`);
      continue;
    }
    for (const r of rows) {
      const s = [...r.samples].sort((a, b) => a - b);
      const f = (v: number): string => (Number.isNaN(v) ? '-' : String(Math.round(v))).padStart(6);
      process.stdout.write(`${cfg.label.padEnd(62)} ${r.what.padEnd(36)} ${String(s.length).padStart(3)} ${f(quantile(s, 0.5))} ${f(quantile(s, 0.99))} ${f(s[s.length - 1] ?? NaN)} ${r.lost}\n`);
    }
  }
}
