// Cost of the plugin isolation boundary: setBalancer/shouldAnnounce in-process vs in a worker thread, same plugin, same run.
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { silentLogger } from '../../src/core/log';
import type { Announcer, PluginContext, ServiceView } from '../../src/core/plugin-api';
import { isolatedPlugin } from '../../src/core/plugins/isolated-plugin';
import type { IsolatedAnnouncerApi } from '../../src/core/plugins/isolated-announcer';
import { pickPlugin } from '../../src/core/plugins/plugin-module';

const CALLS = Number(process.env.BENCH_PLUGIN_CALLS ?? 20_000);
const CONCURRENCY = 64;
const FIXTURE = join(__dirname, '..', 'fixtures', 'plugins', `throw-set-balancer${__filename.endsWith('.ts') ? '.ts' : '.js'}`);

function context(): PluginContext {
  const abort = new AbortController();
  return {
    nodeName: 'bench-node',
    logger: silentLogger(),
    metrics: new Registry(),
    cluster: { node: () => undefined, nodes: () => [], endpoints: () => [], onChange: () => () => undefined },
    events: { normal: () => undefined, warning: () => undefined },
    signal: abort.signal,
    requestResync: () => undefined,
    options: {},
    secret: () => undefined,
    serviceStatus: { set: () => undefined, delete: () => undefined },
  };
}

function service(i: number): ServiceView {
  return {
    namespace: 'bench',
    name: `svc-${i}`,
    type: 'LoadBalancer',
    annotations: {},
    labels: {},
    ipFamilies: ['IPv4'],
    externalTrafficPolicy: 'Cluster',
    selector: { app: 'x' },
    ports: [{ port: 80, protocol: 'TCP' }],
    ingressIPs: [`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`],
  };
}

interface Figures {
  sequentialPerSec: number;
  concurrentPerSec: number;
  p50us: number;
  p99us: number;
  decideP50us: number;
}

const pct = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))]!;

async function measure(a: Announcer, decide: (svc: ServiceView) => Promise<unknown>): Promise<Figures> {
  const svcs = Array.from({ length: 1000 }, (_, i) => service(i));
  for (let i = 0; i < 500; i++) await a.setBalancer(svcs[i % 1000]!, svcs[i % 1000]!.ingressIPs, 'pool', svcs[i % 1000]!); // warm-up
  const lat: number[] = [];
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < CALLS; i++) {
    const s = svcs[i % 1000]!;
    const c0 = process.hrtime.bigint();
    await a.setBalancer(s, s.ingressIPs, 'pool', s);
    lat.push(Number(process.hrtime.bigint() - c0) / 1000);
  }
  const seqNs = Number(process.hrtime.bigint() - t0);
  let next = 0;
  const t1 = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CALLS) {
        const s = svcs[next++ % 1000]!;
        await a.setBalancer(s, s.ingressIPs, 'pool', s);
      }
    }),
  );
  const conNs = Number(process.hrtime.bigint() - t1);
  const dlat: number[] = [];
  for (let i = 0; i < Math.min(CALLS, 5000); i++) {
    const c0 = process.hrtime.bigint();
    await decide(svcs[i % 1000]!);
    dlat.push(Number(process.hrtime.bigint() - c0) / 1000);
  }
  lat.sort((x, y) => x - y);
  dlat.sort((x, y) => x - y);
  return { sequentialPerSec: CALLS / (seqNs / 1e9), concurrentPerSec: CALLS / (conNs / 1e9), p50us: pct(lat, 50), p99us: pct(lat, 99), decideP50us: pct(dlat, 50) };
}

export async function run(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const inProc = pickPlugin(require(FIXTURE));
  if (!inProc) throw new Error(`${FIXTURE} exports no plugin`);
  const local = inProc.create(context());
  const base = await measure(local, async (s) => local.shouldAnnounce(s, 'pool'));
  const iso = isolatedPlugin(FIXTURE).create(context()) as IsolatedAnnouncerApi;
  const worker = await measure(iso, (s) => iso.decide(s, 'pool'));
  await iso.shutdown();
  const n = (x: number): string => Math.round(x).toLocaleString('en-US');
  const us = (x: number): string => `${x.toFixed(1)} µs`;
  const rows: Array<[string, string, string, string]> = [
    ['setBalancer sequential (calls/s)', n(base.sequentialPerSec), n(worker.sequentialPerSec), `${(base.sequentialPerSec / worker.sequentialPerSec).toFixed(1)}x slower`],
    [`setBalancer ${CONCURRENCY} in flight (calls/s)`, n(base.concurrentPerSec), n(worker.concurrentPerSec), `${(base.concurrentPerSec / worker.concurrentPerSec).toFixed(1)}x slower`],
    ['setBalancer latency p50', us(base.p50us), us(worker.p50us), `+${us(worker.p50us - base.p50us)}`],
    ['setBalancer latency p99', us(base.p99us), us(worker.p99us), `+${us(worker.p99us - base.p99us)}`],
    ['shouldAnnounce latency p50', us(base.decideP50us), us(worker.decideP50us), `+${us(worker.decideP50us - base.decideP50us)}`],
  ];
  process.stdout.write(`plugin boundary (${CALLS.toLocaleString('en-US')} calls each; same plugin in-process vs worker thread)\n`);
  const w = [34, 14, 14, 18];
  process.stdout.write(`${['', 'in-process', 'worker', 'ratio / cost'].map((c, i) => c.padEnd(w[i]!)).join(' ')}\n`);
  for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(w[i]!)).join(' ')}\n`);
}
