// Through the real cluster (lab up: kubelets, our image, helm): helm install → first curl, failover by speaker container
// SIGKILL and by node power-off (p50/p99), failed requests during rolling upgrades. Nothing asserted; figures printed.
import { performance } from 'node:perf_hooks';
import { ChartRelease } from '../../src/lab/chart-release';
import { currentOwner, killSpeakerContainer, measureFailover, type FailoverResult } from '../../src/lab/failover-probe';
import { ensureImages } from '../../src/lab/images';
import { LabKubectl } from '../../src/lab/kubectl';
import { LabCluster } from '../../src/lab/lab-cluster';
import { labDown } from '../../src/lab/lab-down';
import { LabNode } from '../../src/lab/lab-node';
import { labUp } from '../../src/lab/lab-up';
import { curlFromClient } from '../../src/lab/probes';
import { Progress } from '../../src/lab/progress';
import { L2_EXPECTED_IP } from '../../src/lab/topology';

const KILLS = Math.max(1, Math.min(200, Number(process.env.BENCH_CLUSTER_KILLS ?? 20) || 20));
const NODE_DOWNS = Math.max(0, Math.min(200, Number(process.env.BENCH_CLUSTER_NODE_DOWNS ?? 20) || 0));
const ROLLS = Math.max(0, Math.min(20, Number(process.env.BENCH_CLUSTER_ROLLS ?? 3) || 0));

const quantile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] ?? NaN;
};
const row = (label: string, xs: number[]): string =>
  `${label.padEnd(34)} n=${String(xs.length).padStart(3)}  p50 ${String(quantile(xs, 0.5)).padStart(6)} ms  p99 ${String(quantile(xs, 0.99)).padStart(6)} ms  max ${String(Math.max(...xs)).padStart(6)} ms`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const quiet = new Progress(() => undefined);

async function failovers(kind: 'container' | 'node', n: number, cluster: LabCluster, kubectl: LabKubectl): Promise<FailoverResult[]> {
  const out: FailoverResult[] = [];
  for (let i = 0; i < n; i++) {
    const owner = await currentOwner(L2_EXPECTED_IP);
    const node = new LabNode(owner);
    const t0 = performance.now();
    if (kind === 'node') await node.powerOff();
    else await killSpeakerContainer(cluster, owner);
    const r = await measureFailover(L2_EXPECTED_IP, owner, t0, { intervalMs: 20, timeoutMs: 60_000 });
    out.push(r);
    process.stdout.write(`  ${kind} ${i + 1}/${n}: ${owner.name} -> ${r.newOwner ?? '-'} takeover ${r.takeoverMs ?? '-'} ms, outage ${r.outageMs} ms\n`);
    if (kind === 'node') await node.powerOn();
    // A fresh pod, so the kubelet's restart back-off (10 s, 20 s, ...) does not grow over the series.
    else await kubectl.run(['delete', 'pod', '-n', 'metallb-system', '--grace-period=0', '--force', '-l',
      'app.kubernetes.io/component=speaker', '--field-selector', `spec.nodeName=${owner.name}`]);
    await cluster.waitNodesReady(300_000);
    await cluster.waitMetallbReady(300_000);
    await sleep(3000);
  }
  return out;
}

async function rollingUpgrade(release: ChartRelease, kubectl: LabKubectl, i: number): Promise<{ ok: number; failed: number }> {
  let done = false;
  const roll = (async (): Promise<void> => {
    await release.upgrade('layer2-tutorial.yaml', ['--set', `logLevel=${i % 2 === 0 ? 'debug' : 'info'}`]);
    await kubectl.ok(['rollout', 'status', 'ds/speaker', '-n', 'metallb-system', '--timeout=300s'], { timeoutMs: 320_000 });
  })().finally(() => { done = true; });
  let ok = 0;
  let failed = 0;
  for (let k = 0; k < 20_000 && !done; k++) {
    if ((await curlFromClient(L2_EXPECTED_IP, 1)).ok) ok++;
    else failed++;
    await sleep(20);
  }
  await roll;
  return { ok, failed };
}

export async function run(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error('the cluster bench needs root (namespaces, kubelets)');
  const t0 = Date.now();
  await ensureImages();
  process.stdout.write(`images ready (${((Date.now() - t0) / 1000).toFixed(1)} s, cached when inputs are unchanged)\n`);
  const lines: string[] = [];
  const up = await labUp({ bgp: false, keepOnFailure: false }, new Progress((l) => lines.push(l)));
  if (!up.ok) throw new Error(`lab up failed:\n${lines.join('\n')}`);
  const helmToCurl = lines.map((l) => /helm install → first answered curl: ([\d.]+) s/.exec(l)?.[1]).find(Boolean);
  const upTotal = lines.map((l) => /^\[\s*([\d.]+)s\]/.exec(l)?.[1]).filter(Boolean).pop();
  try {
    const kubectl = new LabKubectl();
    const cluster = new LabCluster(kubectl);
    const images = await ensureImages();
    const release = new ChartRelease(images.metallbts);
    await kubectl.ok(['scale', 'deploy', 'nginx', '--replicas=3']);
    await cluster.waitDeploymentAvailable('nginx');

    const kills = await failovers('container', KILLS, cluster, kubectl);
    const downs = await failovers('node', NODE_DOWNS, cluster, kubectl);
    const rolls: Array<{ ok: number; failed: number }> = [];
    for (let i = 0; i < ROLLS; i++) rolls.push(await rollingUpgrade(release, kubectl, i));

    process.stdout.write('\nreal cluster (3 kubelets, speaker DaemonSet from the chart, memberlist profile fast, client polls every 20 ms):\n');
    process.stdout.write(`lab up total ${upTotal ?? '?'} s; helm install → first answered curl ${helmToCurl ?? '?'} s\n`);
    const ok = (rs: FailoverResult[]): FailoverResult[] => rs.filter((r) => r.ok && r.takeoverMs !== undefined);
    process.stdout.write(`${row('speaker SIGKILL: ARP takeover', ok(kills).map((r) => r.takeoverMs!))}\n`);
    process.stdout.write(`${row('speaker SIGKILL: longest outage', kills.map((r) => r.outageMs))}\n`);
    if (downs.length) {
      process.stdout.write(`${row('node power-off: ARP takeover', ok(downs).map((r) => r.takeoverMs!))}\n`);
      process.stdout.write(`${row('node power-off: longest outage', downs.map((r) => r.outageMs))}\n`);
    }
    process.stdout.write(`failovers that never completed: ${kills.length - ok(kills).length} of ${kills.length} kills, ` +
      `${downs.length - ok(downs).length} of ${downs.length} node downs\n`);
    for (const [i, r] of rolls.entries()) process.stdout.write(`rolling upgrade ${i + 1}: ${r.failed} failed of ${r.ok + r.failed} requests\n`);
    process.stdout.write('process-level baseline for the same kill: `node dist/test/bench/run.js layer2-failover` (README, Layer 2 failover)\n');
  } finally {
    await labDown(quiet, { quiet: true });
  }
}
