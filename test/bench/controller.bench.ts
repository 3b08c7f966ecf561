// Controller benchmark against a real apiserver: create→IP latency (1,000 Services), cold start (10,000), RSS.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from '../harness/apiserver';
import { kubectlOk } from '../harness/kubectl';
import { installMetallbSystem, NAMESPACE } from '../support/metallb-system';
import { freePort } from '../harness/ports';

const LATENCY_SERVICES = Number(process.env.BENCH_LATENCY_SERVICES ?? 1000);
const COLD_SERVICES = Number(process.env.BENCH_COLD_SERVICES ?? 10000);
const ROOT = join(__dirname, '..', '..', '..');

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
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
      await core.createNamespacedService({ namespace, body: svc(name, namespace) });
      onCreated?.(name);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function waitAllAssigned(core: k8s.CoreV1Api, namespace: string, count: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const list = await core.listNamespacedService({ namespace });
    if (list.items.filter((s) => (s.status?.loadBalancer?.ingress ?? []).length > 0).length >= count) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

export async function run(): Promise<void> {
  let cp: ControlPlane | undefined;
  const procs: ChildProcess[] = [];
  try {
    cp = await startControlPlane();
    const c = cp;
    const access = { get: () => c, kubectlOk: (args: string[], o?: { input?: string }) => kubectlOk(c.kubeconfigPath, args, o) };
    const { controller: controllerKubeconfig } = await installMetallbSystem(access);
    await access.kubectlOk(['apply', '-f', '-'], {
      input: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config, namespace: ${NAMESPACE}}\ndata:\n  config: |\n    address-pools:\n    - name: big\n      protocol: layer2\n      addresses: [10.0.0.0/16]\n`,
    });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfigPath);
    const core = kc.makeApiClient(k8s.CoreV1Api);

    // 1. create → IP in status latency, controller running.
    await core.createNamespace({ body: { metadata: { name: 'lat' } } });
    const proc = startControllerProcess(controllerKubeconfig);
    procs.push(proc);
    await new Promise((r) => setTimeout(r, 3000));
    const created = new Map<string, number>();
    const latencies: number[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch('/api/v1/namespaces/lat/services', {}, (_type, obj: k8s.V1Service) => {
      const name = obj.metadata?.name ?? '';
      const t0 = created.get(name);
      if (t0 !== undefined && (obj.status?.loadBalancer?.ingress ?? []).length > 0) {
        latencies.push(performance.now() - t0);
        created.delete(name);
      }
    }, () => undefined);
    const names = Array.from({ length: LATENCY_SERVICES }, (_, i) => `l${i}`);
    // Timestamp just before each create; the IP can only appear after the create returns.
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const name = names[next++];
        created.set(name, performance.now());
        await core.createNamespacedService({ namespace: 'lat', body: svc(name, 'lat') });
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
    await waitAllAssigned(core, 'lat', LATENCY_SERVICES, 60_000);
    await new Promise((r) => setTimeout(r, 500));
    (req as { abort?: () => void }).abort?.();
    latencies.sort((a, b) => a - b);
    console.log(`controller: create→IP latency over ${latencies.length} Services: p50 ${pct(latencies, 50).toFixed(1)} ms, p99 ${pct(latencies, 99).toFixed(1)} ms (target p99 < 100 ms)`);
    console.log(`controller: RSS after ${LATENCY_SERVICES} Services: ${rssMb(proc.pid ?? 0).toFixed(1)} MB`);
    proc.kill('SIGTERM');

    // 2. cold start: COLD_SERVICES exist before the controller starts.
    await core.createNamespace({ body: { metadata: { name: 'cold' } } });
    const t = performance.now();
    await createMany(core, 'cold', Array.from({ length: COLD_SERVICES }, (_, i) => `c${i}`), 16);
    console.log(`controller: created ${COLD_SERVICES} Services in ${((performance.now() - t) / 1000).toFixed(1)} s (apiserver baseline)`);
    const t1 = performance.now();
    const cold = startControllerProcess(controllerKubeconfig);
    procs.push(cold);
    const ok = await waitAllAssigned(core, 'cold', COLD_SERVICES, 300_000);
    const secs = (performance.now() - t1) / 1000;
    console.log(`controller: cold start with ${COLD_SERVICES + LATENCY_SERVICES} existing Services: ${ok ? '' : 'NOT DONE after '}${secs.toFixed(1)} s until all ${COLD_SERVICES} new ones have IPs (target < 30 s)`);
    console.log(`controller: RSS with ${COLD_SERVICES + LATENCY_SERVICES} Services: ${rssMb(cold.pid ?? 0).toFixed(1)} MB (target < 150 MB)`);
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
    console.log(`controller: restart with ${COLD_SERVICES + LATENCY_SERVICES} existing Services holding IPs: ${ready ? '' : 'NOT READY after '}${((performance.now() - t2) / 1000).toFixed(1)} s until /readyz (all reconciled, target < 30 s); RSS ${rssMb(restarted.pid ?? 0).toFixed(1)} MB`);
  } finally {
    for (const p of procs) p.kill('SIGKILL');
    await cp?.stop();
  }
}
