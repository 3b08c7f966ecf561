// Controller benchmark against a real apiserver: create→IP latency (1,000 Services, paced and burst), cold start (10,000), RSS.
//
// Latency is split, in the same run, into the apiserver baseline (create → this bench's own watch
// sees ADDED: one write plus watch delivery) and what the controller adds (ADDED → the MODIFIED
// that carries the IP: its reaction, allocation, one status write and its watch delivery).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../harness/apiserver';
import { kubectlOk } from '../harness/kubectl';
import { installMetallbSystem, NAMESPACE } from '../support/metallb-system';
import { freePort } from '../harness/ports';

const LATENCY_SERVICES = Number(process.env.BENCH_LATENCY_SERVICES ?? 1000);
const PACED_RATE = Number(process.env.BENCH_PACED_RATE ?? 20);
const COLD_SERVICES = Number(process.env.BENCH_COLD_SERVICES ?? 10000);
const ROOT = join(__dirname, '..', '..', '..');

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** User+system CPU time of a process, in ms (clock ticks are 10 ms on Linux). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function summary(values: number[]): string {
  const sorted = [...values].sort((a, b) => a - b);
  return `p50 ${pct(sorted, 50).toFixed(1)} ms, p99 ${pct(sorted, 99).toFixed(1)} ms`;
}

interface Timing {
  created: number;
  added?: number;
  ip?: number;
}

/**
 * Creates `count` Services in `namespace` — paced at `rate` per second, or as fast as `concurrency`
 * workers go — and times each through this bench's own watch.
 */
async function measureLatency(kc: k8s.KubeConfig, core: k8s.CoreV1Api, namespace: string, count: number, mode: { rate?: number; concurrency?: number }): Promise<Timing[]> {
  await core.createNamespace({ body: { metadata: { name: namespace } } });
  const timings = new Map<string, Timing>();
  const req = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${namespace}/services`, {}, (type, obj: k8s.V1Service) => {
    const t = timings.get(obj.metadata?.name ?? '');
    if (!t) return;
    const now = performance.now();
    if (type === 'ADDED') t.added ??= now;
    if ((obj.status?.loadBalancer?.ingress ?? []).length > 0) t.ip ??= now;
  }, () => undefined);
  const names = Array.from({ length: count }, (_, i) => `${namespace}${i}`);
  const create = async (name: string): Promise<void> => {
    // Timestamp just before each create; the IP can only appear after the create returns.
    timings.set(name, { created: performance.now() });
    await core.createNamespacedService({ namespace, body: svc(name, namespace) });
  };
  if (mode.rate) {
    const start = performance.now();
    const inflight: Array<Promise<void>> = [];
    for (let i = 0; i < names.length; i++) {
      const wait = start + (i * 1000) / mode.rate - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      inflight.push(create(names[i]!));
    }
    await Promise.all(inflight);
  } else {
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) await create(names[next++]!);
    };
    await Promise.all(Array.from({ length: mode.concurrency ?? 4 }, worker));
  }
  await waitAllAssigned(kc, core, namespace, count, 60_000);
  await new Promise((r) => setTimeout(r, 500));
  (req as { abort?: () => void }).abort?.();
  return [...timings.values()];
}

function reportLatency(label: string, timings: Timing[]): void {
  const done = timings.filter((t): t is Required<Timing> => t.added !== undefined && t.ip !== undefined);
  const total = done.map((t) => t.ip - t.created);
  const base = done.map((t) => t.added - t.created);
  const added = done.map((t) => Math.max(0, t.ip - t.added));
  const p99 = (v: number[]): number => pct([...v].sort((a, b) => a - b), 99);
  console.log(`controller: ${label}: create→IP over ${done.length}/${timings.length} Services: ${summary(total)} (target p99 < 100 ms)`);
  console.log(`controller: ${label}:   apiserver baseline create→ADDED: ${summary(base)}`);
  console.log(`controller: ${label}:   controller-added ADDED→IP: ${summary(added)}; p99 ratio to baseline ${(p99(added) / p99(base)).toFixed(2)}×`);
}

function startControllerProcess(kubeconfig: string, metricsPort = 0): ChildProcess {
  return spawn(process.execPath, [join(ROOT, 'bin', 'metallbts.js'), 'controller', '--kubeconfig', kubeconfig, '--namespace', NAMESPACE, '--metrics-port', String(metricsPort), '--metrics-host', '127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'ignore'],
    env: { ...process.env, METALLBTS_LOG_LEVEL: 'warn' },
  });
}

function svc(name: string, namespace: string): k8s.V1Service {
  // No NodePorts: 11,000 Services would exhaust the 30000-32767 range.
  return { metadata: { name, namespace }, spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, selector: { app: name }, ports: [{ port: 80 }] } };
}

/** Creates Services with bounded concurrency. */
async function createMany(core: k8s.CoreV1Api, namespace: string, names: string[], concurrency: number, onCreated?: (name: string) => void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++];
      await core.createNamespacedService({ namespace, body: svc(name!, namespace) });
      onCreated?.(name!);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/**
 * Resolves when `count` Services in `namespace` have an IP: one list, then a watch — polling lists
 * of 10,000 Services would load the apiserver more than the controller under test does.
 */
async function waitAllAssigned(kc: k8s.KubeConfig, core: k8s.CoreV1Api, namespace: string, count: number, timeoutMs: number): Promise<boolean> {
  const assigned = new Set<string>();
  const hasIp = (s: k8s.V1Service): boolean => (s.status?.loadBalancer?.ingress ?? []).length > 0;
  const list = await core.listNamespacedService({ namespace });
  for (const s of list.items) if (hasIp(s)) assigned.add(s.metadata?.name ?? '');
  if (assigned.size >= count) return true;
  let finish: (ok: boolean) => void = () => undefined;
  const result = new Promise<boolean>((r) => (finish = r));
  const timer = setTimeout(() => finish(false), timeoutMs);
  const req = await new k8s.Watch(kc).watch(`/api/v1/namespaces/${namespace}/services`, { resourceVersion: list.metadata?.resourceVersion }, (_type, obj: k8s.V1Service) => {
    if (hasIp(obj)) assigned.add(obj.metadata?.name ?? '');
    if (assigned.size >= count) finish(true);
  }, (err) => {
    if (err) finish(false);
  });
  const ok = await result;
  clearTimeout(timer);
  (req as { abort?: () => void }).abort?.();
  return ok;
}

export async function run(): Promise<void> {
  let cp: ControlPlane | undefined;
  const procs: ChildProcess[] = [];
  try {
    cp = await startControlPlane();
    const c = cp;
    console.log('controller: etcd runs with --unsafe-no-fsync on the harness temp dir; 2 shared cores carry apiserver, etcd, controller and this load generator');
    const access = { get: () => c, kubectlOk: (args: string[], o?: { input?: string }) => kubectlOk(c.kubeconfigPath, args, o) };
    const { controller: controllerKubeconfig } = await installMetallbSystem(access);
    await access.kubectlOk(['apply', '-f', '-'], {
      input: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config, namespace: ${NAMESPACE}}\ndata:\n  config: |\n    address-pools:\n    - name: big\n      protocol: layer2\n      addresses: [10.0.0.0/16]\n`,
    });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);

    // 1. create → IP in status latency, controller running: paced like a real cluster, then a burst.
    const proc = startControllerProcess(controllerKubeconfig);
    procs.push(proc);
    await new Promise((r) => setTimeout(r, 3000));
    console.log(`controller: RSS idle (no Services): ${rssMb(proc.pid ?? 0).toFixed(1)} MB`);
    let cpu = cpuMs(proc.pid ?? 0);
    reportLatency(`paced ${PACED_RATE}/s`, await measureLatency(kc, core, 'paced', LATENCY_SERVICES, { rate: PACED_RATE }));
    console.log(`controller: RSS after ${LATENCY_SERVICES} Services: ${rssMb(proc.pid ?? 0).toFixed(1)} MB (target < 150 MB); CPU ${((cpuMs(proc.pid ?? 0) - cpu) / LATENCY_SERVICES).toFixed(2)} ms per Service`);
    cpu = cpuMs(proc.pid ?? 0);
    reportLatency('burst 4 concurrent', await measureLatency(kc, core, 'burst', LATENCY_SERVICES, { concurrency: 4 }));
    console.log(`controller: RSS after ${2 * LATENCY_SERVICES} Services: ${rssMb(proc.pid ?? 0).toFixed(1)} MB; CPU ${((cpuMs(proc.pid ?? 0) - cpu) / LATENCY_SERVICES).toFixed(2)} ms per Service`);
    proc.kill('SIGTERM');
    if (COLD_SERVICES <= 0) return;
    const existing = 2 * LATENCY_SERVICES + COLD_SERVICES;

    // 2. cold start: COLD_SERVICES exist before the controller starts.
    await core.createNamespace({ body: { metadata: { name: 'cold' } } });
    const t = performance.now();
    await createMany(core, 'cold', Array.from({ length: COLD_SERVICES }, (_, i) => `c${i}`), 16);
    console.log(`controller: created ${COLD_SERVICES} Services in ${((performance.now() - t) / 1000).toFixed(1)} s (apiserver baseline: one write each, 16 concurrent)`);
    const t1 = performance.now();
    const cold = startControllerProcess(controllerKubeconfig);
    procs.push(cold);
    const ok = await waitAllAssigned(kc, core, 'cold', COLD_SERVICES, 300_000);
    const secs = (performance.now() - t1) / 1000;
    console.log(`controller: cold start with ${existing} existing Services: ${ok ? '' : 'NOT DONE after '}${secs.toFixed(1)} s until all ${COLD_SERVICES} new ones have IPs (target < 30 s)`);
    console.log(`controller: RSS with ${existing} Services: ${rssMb(cold.pid ?? 0).toFixed(1)} MB (target < 150 MB)`);
    await new Promise((r) => setTimeout(r, 5000));
    console.log(`controller: RSS with ${existing} Services, 5 s later (events written): ${rssMb(cold.pid ?? 0).toFixed(1)} MB (target < 150 MB)`);
    cold.kill('SIGTERM');

    // 3. restart: every Service already has its IP; ready = initial sync done, every Service reconciled.
    const port = await freePort();
    const t2 = performance.now();
    const restarted = startControllerProcess(controllerKubeconfig, port);
    procs.push(restarted);
    let ready = false;
    while (!ready && performance.now() - t2 < 300_000) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`controller: restart with ${existing} existing Services holding IPs: ${ready ? '' : 'NOT READY after '}${((performance.now() - t2) / 1000).toFixed(1)} s until /readyz (all reconciled, target < 30 s); RSS ${rssMb(restarted.pid ?? 0).toFixed(1)} MB`);
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await cp?.stop();
  }
}
