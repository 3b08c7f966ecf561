// `lab failover`: SIGKILLs the speaker of the node that owns 192.168.1.240 and times how long until another node answers.
import { performance } from 'node:perf_hooks';
import { speakerProcessName, startSpeaker } from './components';
import { isAliveIn, signal } from './daemons';
import { clientNeighbour, curlFromClient } from './probes';
import type { Progress } from './progress';
import { sleep } from './shell';
import { labPaths, readState, type LabProcessRecord } from './state';
import { L2_EXPECTED_IP, type LabHost } from './topology';

export interface FailoverOptions {
  vip: string;
  intervalMs: number;
  timeoutMs: number;
  /** Start the killed speaker again afterwards, so the lab is whole (default true). */
  restart: boolean;
}

export const DEFAULT_FAILOVER: FailoverOptions = { vip: L2_EXPECTED_IP, intervalMs: 50, timeoutMs: 30_000, restart: true };

export interface FailoverResult {
  ok: boolean;
  vip: string;
  oldOwner: string;
  newOwner?: string;
  /** From the SIGKILL to the first HTTP answer from another node. */
  failoverMs?: number;
  /** Answers from the old node, and failed attempts, while waiting. */
  oldAnswers: number;
  failures: number;
  attempts: number;
  newMac?: string;
}

/** The node currently answering for `vip`: the client's neighbour entry after one request. */
async function currentOwner(vip: string): Promise<{ node: LabHost; answeredBy?: string }> {
  const answer = await curlFromClient(vip, 2);
  const neigh = await clientNeighbour(vip);
  if (!neigh?.node) {
    throw new Error(`the client has no neighbour entry naming a node for ${vip} (curl: ${answer.error ?? answer.body}); is the lab up and announcing?`);
  }
  return { node: neigh.node, answeredBy: answer.node };
}

function speakerRecord(node: LabHost): LabProcessRecord {
  const rec = readState()?.processes.find((p) => p.name === speakerProcessName(node));
  if (!rec) throw new Error(`no speaker recorded for ${node.name} in ${labPaths.state()}; run metallbts lab up`);
  if (!isAliveIn(rec.pid, rec.ns)) throw new Error(`the speaker on ${node.name} (pid ${rec.pid}) is not running`);
  return rec;
}

export async function labFailover(opts: FailoverOptions, progress: Progress): Promise<FailoverResult> {
  const { node: owner, answeredBy } = await progress.step(`owner of ${opts.vip}`, () => currentOwner(opts.vip));
  progress.info(`client's ARP entry for ${opts.vip} → ${owner.name} (${owner.mac}); last answer from ${answeredBy ?? '-'}`);
  const rec = speakerRecord(owner);

  const result: FailoverResult = { ok: false, vip: opts.vip, oldOwner: owner.name, oldAnswers: 0, failures: 0, attempts: 0 };
  signal(rec.pid, 'SIGKILL');
  const t0 = performance.now();
  progress.note(`SIGKILL speaker on ${owner.name} (pid ${rec.pid}); polling http://${opts.vip} from client every ${opts.intervalMs} ms`);

  const maxAttempts = Math.ceil(opts.timeoutMs / opts.intervalMs) + 1;
  while (performance.now() - t0 < opts.timeoutMs && result.attempts < maxAttempts) {
    result.attempts++;
    const a = await curlFromClient(opts.vip, 1);
    if (a.ok && a.node !== owner.name) {
      result.failoverMs = Math.round(performance.now() - t0);
      result.newOwner = a.node;
      result.ok = true;
      break;
    }
    if (a.ok) result.oldAnswers++;
    else result.failures++;
    await sleep(opts.intervalMs);
  }
  const neigh = await clientNeighbour(opts.vip);
  result.newMac = neigh?.mac;

  if (result.ok) {
    progress.note(`failover: ${owner.name} -> ${result.newOwner} in ${result.failoverMs} ms`);
    progress.info(`${result.attempts} attempts: ${result.oldAnswers} still answered by ${owner.name} (its node is up, only the speaker died), ` +
      `${result.failures} failed; client's ARP entry now ${neigh?.node?.name ?? '?'} (${neigh?.mac ?? '-'})`);
  } else {
    progress.note(`failover FAILED: no other node answered for ${opts.vip} within ${opts.timeoutMs} ms ` +
      `(${result.oldAnswers} answers from ${owner.name}, ${result.failures} failures)`);
  }

  if (opts.restart) {
    await progress.step(`restarted the speaker on ${owner.name}`, async () => {
      startSpeaker(owner, labPaths.kubeconfig('speaker'));
    });
  } else {
    progress.info(`the speaker on ${owner.name} stays down (metallbts lab up rebuilds everything)`);
  }
  return result;
}
