// ARP answer-thread scenarios run inside the test namespace (`node arp-answerer-scenarios.js NAME`): table, reports, handover, link down, teardown.
import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { addon, arpRequest, ifindex, ipAt, macOf, out, runScenario, sleep, type ScenarioResults } from './afpacket-scenario-kit';

const ETH_P_ARP = 0x0806;
/** The thread's records and count entries (native/afpacket/src/arp_answerer.h), read by offset here on purpose. */
const RECORD_LEN = 44;
const COUNT_LEN = 12;

export interface ArpReplySeen {
  dst: string;
  src: string;
  sha: string;
  spa: string;
  tpa: string;
}

export interface AnswererDrainSeen {
  /** Per IP: requests answered, replies sent. */
  c: Array<[string, number, number]>;
  /** Records: kind, sender IP. */
  r: Array<[number, string]>;
  lost: number;
  unsent: number;
  err?: string;
}

/** The answer threads of this process (their thread name is `arp-answerer`). */
function answerThreads(): string[] {
  return readdirSync('/proc/self/task').filter((t) => readFileSync(`/proc/self/task/${t}/comm`, 'utf8').trim() === 'arp-answerer');
}

/** User + system clock ticks of the answer thread. */
function answerThreadCpu(): number {
  const [t] = answerThreads();
  if (t === undefined) throw new Error('no arp-answerer thread');
  const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

const isReply = (f: Buffer): boolean => f.readUInt16BE(20) === 2;

export const answererScenarios = {
  /** Replies only for the table, counts, request records and claims reported, nothing after the table empties, close refused after. */
  async answerer() {
    const a = addon();
    const va = ifindex('va');
    const drains: AnswererDrainSeen[] = [];
    const replies: ArpReplySeen[] = [];
    const h = a.openAnswerer(va, macOf('va'), (recs, n, counts, m, lost, unsent, err) => {
      const c: AnswererDrainSeen['c'] = [];
      for (let i = 0; i < m; i++) c.push([ipAt(counts, i * COUNT_LEN), counts.readUInt32LE(i * COUNT_LEN + 4), counts.readUInt32LE(i * COUNT_LEN + 8)]);
      const r: AnswererDrainSeen['r'] = [];
      for (let i = 0; i < n; i++) r.push([recs[i * RECORD_LEN]!, ipAt(recs, i * RECORD_LEN + 2 + 28)]);
      drains.push({ c, r, lost, unsent, err });
    });
    const peer = a.open(ifindex('vb'), ETH_P_ARP, (f) => {
      if (isReply(f)) replies.push({ dst: f.subarray(0, 6).toString('hex'), src: f.subarray(6, 12).toString('hex'), sha: f.subarray(22, 28).toString('hex'), spa: ipAt(f, 28), tpa: ipAt(f, 38) });
    });
    const vip = [192, 168, 9, 1];
    for (let i = 0; i < 3; i++) a.send(peer, arpRequest([10, 0, 0, 1], vip));
    await sleep(300);
    const before = replies.length;
    a.setAnswered(h, Buffer.from([...vip, 192, 168, 9, 2]));
    a.logRequests(h, true);
    for (let i = 0; i < 5; i++) a.send(peer, arpRequest([10, 0, 0, 2], vip));
    a.send(peer, arpRequest([10, 0, 0, 3], [192, 168, 9, 3]));
    a.send(peer, arpRequest(vip, vip, Buffer.from([2, 0, 0, 0, 0, 0x99])));
    await sleep(300);
    a.setAnswered(h, Buffer.alloc(0));
    await sleep(50);
    const mid = replies.length;
    a.send(peer, arpRequest([10, 0, 0, 4], vip));
    const sent = a.answererSend(h, arpRequest(vip, vip, macOf('va'), 2));
    await sleep(300);
    a.closeAnswerer(h);
    a.closeAnswerer(h);
    let closed: string | undefined;
    try {
      a.setAnswered(h, Buffer.alloc(0));
    } catch (e) {
      closed = (e as Error).message;
    }
    let bad: string | undefined;
    try {
      a.setAnswered({}, Buffer.alloc(3));
    } catch (e) {
      bad = (e as Error).constructor.name;
    }
    a.close(peer);
    return { before, mid, replies, drains, sent, closed, bad, va: macOf('va').toString('hex'), vb: macOf('vb').toString('hex') };
  },

  /** answerIp in place and yieldOnClaim: `spa>tpa` of each reply, and the claimed IPs. */
  async yieldOnClaim(): Promise<{ replies: string[]; claims: string[] }> {
    const a = addon();
    const replies: string[] = [];
    const claims: string[] = [];
    const h = a.openAnswerer(ifindex('va'), macOf('va'), (recs, n) => {
      for (let i = 0; i < n; i++) if (recs[i * RECORD_LEN] === 2) claims.push(ipAt(recs, i * RECORD_LEN + 30));
    });
    const peer = a.open(ifindex('vb'), ETH_P_ARP, (f) => {
      if (isReply(f)) replies.push(`${ipAt(f, 28)}>${ipAt(f, 38)}`);
    });
    const v1 = [192, 168, 9, 1];
    const v2 = [192, 168, 9, 2];
    a.answerIp(h, Buffer.from(v1), true);
    a.answerIp(h, Buffer.from([9, 9, 9, 9]), true);
    a.answerIp(h, Buffer.from(v2), true);
    a.answerIp(h, Buffer.from([9, 9, 9, 9]), false);
    a.yieldOnClaim(h, true);
    a.send(peer, arpRequest([10, 0, 0, 1], v1));
    await sleep(100);
    a.send(peer, arpRequest(v1, v1, Buffer.from([2, 0, 0, 0, 0, 0x99])));
    await sleep(100);
    a.send(peer, arpRequest([10, 0, 0, 2], v1));
    a.send(peer, arpRequest([10, 0, 0, 3], v2));
    a.send(peer, arpRequest([10, 0, 0, 4], [9, 9, 9, 9]));
    await sleep(200);
    a.closeAnswerer(h);
    a.close(peer);
    return { replies, claims };
  },

  /** Replies before and after the link was down for a second, and the thread's clock ticks meanwhile. */
  async linkDown(): Promise<{ before: number; after: number; down: number }> {
    const a = addon();
    const vip = [192, 168, 9, 1];
    const h = a.openAnswerer(ifindex('va'), macOf('va'), () => undefined);
    a.answerIp(h, Buffer.from(vip), true);
    let replies = 0;
    const peer = a.open(ifindex('vb'), ETH_P_ARP, (f) => {
      if (isReply(f)) replies++;
    });
    a.send(peer, arpRequest([10, 0, 0, 1], vip));
    await sleep(300);
    const before = replies;
    execFileSync('ip', ['link', 'set', 'va', 'down']);
    const cpu0 = answerThreadCpu();
    await sleep(1000);
    const down = answerThreadCpu() - cpu0;
    execFileSync('ip', ['link', 'set', 'va', 'up']);
    await sleep(1500);
    a.send(peer, arpRequest([10, 0, 0, 2], vip));
    await sleep(300);
    a.closeAnswerer(h);
    a.close(peer);
    return { before, after: replies, down };
  },

  /** An unref()ed answerer lets the process exit (the exit handler writes the result). */
  answererUnref(): undefined {
    const a = addon();
    const h = a.openAnswerer(ifindex('va'), Buffer.alloc(6), () => undefined);
    a.refAnswerer(h, false);
    process.on('exit', () => out({ exited: true }));
    return undefined;
  },

  /** A referenced answerer closed after 50 ms lets the process exit. */
  answererClose(): undefined {
    const a = addon();
    const h = a.openAnswerer(ifindex('va'), Buffer.alloc(6), () => undefined);
    setTimeout(() => a.closeAnswerer(h), 50);
    process.on('exit', () => out({ exited: true }));
    return undefined;
  },

  /** Answer threads while a worker holds an unclosed answerer, and after the worker is terminated. */
  async workerTeardown(): Promise<{ during: number; after: number }> {
    // The main thread holds the addon too, as in the speaker: one loaded by a worker alone is unloaded
    // with it, and that crashes the process today (segfault at terminate; no production path does it).
    addon();
    const w = new Worker(__filename, { workerData: { va: ifindex('va') } });
    await once(w, 'message');
    const during = answerThreads().length;
    await w.terminate();
    await sleep(100);
    return { during, after: answerThreads().length };
  },
};

export type AnswererScenarioResults = ScenarioResults<typeof answererScenarios>;

if (!isMainThread) {
  // workerTeardown's worker: opens an answerer and never closes it.
  addon().openAnswerer((workerData as { va: number }).va, Buffer.alloc(6), () => undefined);
  parentPort?.postMessage('open');
} else if (require.main === module) {
  runScenario(answererScenarios);
}
