// What every speaker cluster in node namespaces shares: the lab, its named nodes, their speakers' logs and temp dir.
import type { ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import * as yaml from 'js-yaml';
import { sleep, type L2Lab, type LabHost } from './netns-lab';
import type { LogLine } from './speaker-log';

export abstract class LabCluster<N extends LabHost & { name: string }> {
  /** Temp dir (made when the cluster comes up): the relay socket and one log file per speaker. */
  dir = '';
  protected rootRelay?: ChildProcess;
  protected readonly logs = new Map<string, LogLine[]>();
  /** Set by down(): speaker output arriving later is dropped. */
  protected stopped = false;
  /** Set when a test saw something wrong: finish() then keeps the speaker logs. */
  failed = false;

  constructor(
    readonly lab: L2Lab,
    readonly nodes: N[],
  ) {}

  node(name: string): N {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Node name owning `mac`, or the MAC itself when it belongs to no node. */
  nameOf(mac: string | undefined): string | undefined {
    return this.nodes.find((n) => n.mac === mac)?.name ?? mac;
  }

  lines(node: string): LogLine[] {
    return this.logs.get(node) ?? [];
  }

  /** Last log lines of every speaker, for failure messages. */
  abstract tails(): string;

  /** Stops every process and namespace this cluster made; the speakers' logs stay in `dir` only when `keepLogs`. */
  down(keepLogs = false): void {
    this.stopped = true;
    if (this.rootRelay?.exitCode === null) this.rootRelay.kill('SIGKILL');
    this.lab.down();
    if (!keepLogs && this.dir && existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }

  /** For afterAll: down, keeping (and naming) the logs when `what` failed. */
  finish(what: string): void {
    if (this.failed) process.stdout.write(`${what} failed: speaker logs kept in ${this.dir}\n`);
    this.down(this.failed);
  }

  /** For a failed up(): down with the logs kept, and an error that says where they are. */
  protected failUp(err: unknown): never {
    this.failed = true;
    this.down(true);
    throw new Error(`${(err as Error).message}\n(speaker logs kept in ${this.dir})`);
  }

  /** Polls the speakers' logs (every 100 ms, bounded in time and count) until `pred` holds for each of `names`. */
  protected async waitLogs(what: string, names: string[], pred: (node: string) => boolean, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (let i = 0; i < 3000 && Date.now() < end; i++) {
      if (names.every((n) => pred(n))) return;
      await sleep(100);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}\n${this.tails()}`);
  }

  /** Node `n` as a kubelet registers it: hostname label, InternalIP, Ready. */
  protected nodeManifest(n: N): string {
    const now = new Date().toISOString();
    return yaml.dump({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux' } },
      status: {
        addresses: [{ type: 'InternalIP', address: n.ip4 }, { type: 'Hostname', address: n.name }],
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test node', lastHeartbeatTime: now, lastTransitionTime: now }],
      },
    });
  }
}
