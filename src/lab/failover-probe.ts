// `lab failover`: kills the speaker pod (or the whole node) owning a layer2 VIP and measures takeover and outage.
import { performance } from 'node:perf_hooks';
import type { LabCluster } from './lab-cluster';
import { LabNode } from './lab-node';
import { clientNeighbour, curlFromClient } from './probes';
import type { Progress } from './progress';
import { sleep } from './shell';
import { L2_EXPECTED_IP, NODES, nodeByMac, type LabHost } from './topology';

export interface FailoverOptions {
  vip: string;
  intervalMs: number;
  timeoutMs: number;
  /** Take the whole node down (kubelet, containerd, pods, link) instead of killing only its speaker container. */
  node: boolean;
  /** Bring a downed node back afterwards (a killed speaker container is restarted by its kubelet anyway). */
  restart: boolean;
}

export const DEFAULT_FAILOVER: FailoverOptions = { vip: L2_EXPECTED_IP, intervalMs: 50, timeoutMs: 60_000, node: false, restart: true };

export interface FailoverResult {
  ok: boolean;
  vip: string;
  oldOwner: string;
  newOwner?: string;
  /** From the kill to the client's neighbour entry naming another node (gratuitous ARP or a new answer). */
  takeoverMs?: number;
  /** Longest run of failed requests (first failure to the next answer); 0 when none failed. */
  outageMs: number;
  failures: number;
  attempts: number;
}

/** The node the client's ARP entry names for `vip`, after one request (so the entry is fresh). */
export async function currentOwner(vip: string): Promise<LabHost> {
  const answer = await curlFromClient(vip, 2);
  const neigh = await clientNeighbour(vip);
  if (!neigh?.node) {
    throw new Error(`the client has no neighbour entry naming a node for ${vip} (curl: ${answer.error ?? 'ok'}); is the lab up and announcing?`);
  }
  return neigh.node;
}

/** SIGKILL of the speaker container on `node` through that node's containerd (as an OOM kill or crash would). */
export async function killSpeakerContainer(cluster: LabCluster, node: LabHost): Promise<string> {
  const pod = (await cluster.pods('speaker')).find((p) => p.node === node.name && p.containerId);
  if (!pod?.containerId) throw new Error(`no running speaker pod on ${node.name}`);
  await new LabNode(node).ctr(['tasks', 'kill', '-s', 'SIGKILL', pod.containerId], 10_000);
  return pod.name;
}

/** Polls the VIP from the client until another node owns it and answers, measuring takeover and the longest outage. */
export async function measureFailover(vip: string, old: LabHost, t0: number, opts: { intervalMs: number; timeoutMs: number }):
  Promise<FailoverResult> {
  const r: FailoverResult = { ok: false, vip, oldOwner: old.name, outageMs: 0, failures: 0, attempts: 0 };
  let failingSince: number | undefined;
  const maxAttempts = Math.ceil(opts.timeoutMs / opts.intervalMs) + 1;
  while (performance.now() - t0 < opts.timeoutMs && r.attempts < maxAttempts) {
    r.attempts++;
    // Outage runs from the start of the first failed request to the start of the next answered one.
    const sent = performance.now();
    const a = await curlFromClient(vip, 1);
    if (a.ok) {
      if (failingSince !== undefined) r.outageMs = Math.max(r.outageMs, Math.round(sent - failingSince));
      failingSince = undefined;
    } else {
      r.failures++;
      failingSince ??= sent;
    }
    if (r.takeoverMs === undefined) {
      const owner = nodeByMac((await clientNeighbour(vip))?.mac ?? '');
      if (owner && owner.name !== old.name) {
        r.takeoverMs = Math.round(performance.now() - t0);
        r.newOwner = owner.name;
      }
    }
    if (r.takeoverMs !== undefined && a.ok) {
      r.ok = true;
      break;
    }
    await sleep(opts.intervalMs);
  }
  if (failingSince !== undefined) r.outageMs = Math.max(r.outageMs, Math.round(performance.now() - failingSince));
  return r;
}

export async function labFailover(cluster: LabCluster, opts: FailoverOptions, progress: Progress): Promise<FailoverResult> {
  const owner = await progress.step(`owner of ${opts.vip}`, () => currentOwner(opts.vip));
  progress.info(`client's ARP entry for ${opts.vip} → ${owner.name} (${owner.mac})`);
  const node = new LabNode(owner);
  const before = (await cluster.pods('speaker')).find((p) => p.node === owner.name)?.containerId;
  let t0: number;
  if (opts.node) {
    // The tutorial's single nginx pod may live on the node going down: keep a backend on every node first.
    await progress.step('nginx scaled to 3 replicas (a backend survives the node)', async () => {
      await cluster.scale('nginx', NODES.length);
      await cluster.waitDeploymentAvailable('nginx');
    });
    t0 = performance.now();
    await node.powerOff();
    progress.note(`${owner.name} powered off (kubelet, kube-proxy, containerd, pods killed; eth0 down); polling every ${opts.intervalMs} ms`);
  } else {
    t0 = performance.now();
    const pod = await killSpeakerContainer(cluster, owner);
    progress.note(`SIGKILL speaker container of ${pod} on ${owner.name}; polling http://${opts.vip} every ${opts.intervalMs} ms`);
  }
  const result = await measureFailover(opts.vip, owner, t0, opts);
  if (result.ok) {
    progress.note(`failover: ${owner.name} -> ${result.newOwner}: client's ARP entry moved after ${result.takeoverMs} ms; ` +
      `longest outage ${result.outageMs} ms (${result.failures} of ${result.attempts} requests failed)`);
  } else {
    progress.note(`failover FAILED: ${result.takeoverMs === undefined ? `no other node took ${opts.vip} over` :
      `${result.newOwner} took ${opts.vip} over after ${result.takeoverMs} ms but nginx never answered through it`} within ${opts.timeoutMs} ms ` +
      `(${result.failures} of ${result.attempts} requests failed)`);
  }
  if (opts.node && opts.restart) {
    await progress.step(`${owner.name} powered on again (link up, containerd, kubelet, kube-proxy)`, () => node.powerOn());
  }
  if (!opts.node || opts.restart) {
    await progress.step(`the kubelet restarted the speaker on ${owner.name}`, () => cluster.waitSpeakerRestarted(owner.name, before));
  }
  return result;
}
