// Real `metallbts speaker` processes, one per node namespace of an L2Lab, against the harness kube-apiserver (reached through socket relays), as `npm run lab` runs them.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import type { SharedControlPlane } from '../../harness/jest-control-plane';
import { installMetallbSystem, NAMESPACE } from '../../support/metallb-system';
import { ensureBuilt, L2Lab, REPO, sleep, waitForLine, type LabHost } from './netns-lab';

const SETPRIV = '/usr/bin/setpriv';
const MEMBERLIST_PORT = 7946;
const MEMBERLIST_SECRET = 'policy-test-memberlist-secret-0123456789';

export interface ClusterNode extends LabHost {
  name: string;
}

type LogLine = Record<string, unknown>;

export class SpeakerCluster {
  readonly lab: L2Lab;
  readonly nodes: ClusterNode[];
  /** Temp dir (made by up()): the relay socket and one log file per speaker. */
  dir = '';
  private rootRelay?: ChildProcess;
  private readonly logs = new Map<string, LogLine[]>();
  private stopped = false;

  constructor(
    private readonly cp: SharedControlPlane,
    names: string[],
    tag: string,
  ) {
    this.lab = new L2Lab(names.length, tag);
    this.nodes = this.lab.nodes.map((h, i) => ({ ...h, name: names[i] }));
  }

  node(name: string): ClusterNode {
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

  /**
   * Segment with `vips` on every node's kube-ipvs0, metallb-system (CRDs, RBAC), the memberlist Secret, one Node per
   * node namespace, then `setup` (config, Services: the layer2 plugin and its memberlist start with the first layer2
   * pool), then relays and speakers; resolves once every speaker synced and its memberlist sees all the others.
   */
  async up(vips: string[], setup: () => Promise<void>): Promise<void> {
    ensureBuilt();
    this.dir = mkdtempSync(join(tmpdir(), `${this.lab.prefix}-`));
    this.lab.up(vips);
    const { speaker: kubeconfig } = await installMetallbSystem(this.cp);
    await this.cp.kubectlOk(['-n', NAMESPACE, 'create', 'secret', 'generic', 'memberlist', `--from-literal=secretkey=${MEMBERLIST_SECRET}`]);
    await this.cp.kubectlOk(['apply', '-f', '-'], { input: this.nodeManifests() });
    await setup();
    const apiserver = new URL(this.cp.get().server);
    const sock = join(this.dir, 'apiserver.sock');
    const relay = join(REPO, 'dist', 'test', 'integration', 'layer2', 'socket-relay.js');
    this.rootRelay = spawn(...this.dying(process.execPath, [relay, `unix:${sock}`, `${apiserver.hostname}:${apiserver.port}`]), { stdio: ['ignore', 'pipe', 'pipe'] });
    await waitForLine(this.rootRelay, (l) => l.listening === true, 10_000);
    for (const n of this.nodes) {
      const p = this.lab.spawn(n.ns, ...this.dying(process.execPath, [relay, `${apiserver.hostname}:${apiserver.port}`, `unix:${sock}`]));
      await waitForLine(p, (l) => l.listening === true, 10_000);
    }
    for (const n of this.nodes) this.startSpeaker(n, kubeconfig);
    await this.waitLogs('every speaker synced', (node) => this.lines(node).some((l) => l.event === 'syncDone'), 90_000);
    await this.waitLogs('every memberlist sees every other node', (node) => this.nodes.every((o) => o.name === node || this.memberlistSees(node).has(o.name)), 60_000);
  }

  /** Stops every process and namespace this cluster made; the speakers' logs stay in `dir` only when `keepLogs`. */
  down(keepLogs = false): void {
    this.stopped = true;
    if (this.rootRelay?.exitCode === null) this.rootRelay.kill('SIGKILL');
    this.lab.down();
    if (!keepLogs && this.dir && existsSync(this.dir)) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Last log lines of every speaker, for failure messages. */
  tails(lines = 12): string {
    return this.nodes
      .map((n) => `--- speaker ${n.name} ---\n${this.lines(n.name).slice(-lines).map((l) => JSON.stringify(l)).join('\n')}`)
      .join('\n');
  }

  private startSpeaker(n: ClusterNode, kubeconfig: string): void {
    const peers = this.nodes.filter((o) => o !== n).map((o) => `${o.ip4}:${MEMBERLIST_PORT}`);
    const args = [join(REPO, 'bin', 'metallbts.js'), 'speaker', '--node-name', n.name, '--kubeconfig', kubeconfig, '--namespace', NAMESPACE,
      '--metrics-host', '127.0.0.1', '--metrics-port', '7473', '--memberlist-bind', `${n.ip4}:${MEMBERLIST_PORT}`, '--memberlist-join', ...peers];
    const p = this.lab.spawn(n.ns, ...this.dying(process.execPath, args));
    const lines: LogLine[] = [];
    this.logs.set(n.name, lines);
    const file = join(this.dir, `speaker-${n.name}.log`);
    let rest = '';
    const take = (chunk: Buffer): void => {
      // Output still buffered when down() removed the directory is dropped.
      if (this.stopped) return;
      appendFileSync(file, chunk);
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const l of parts) {
        try {
          lines.push(JSON.parse(l) as LogLine);
        } catch {
          lines.push({ text: l });
        }
      }
    };
    p.stdout?.on('data', take);
    p.stderr?.on('data', take);
  }

  /** Members `node`'s memberlist reported joining and not leaving since (from its log). */
  private memberlistSees(node: string): Set<string> {
    const alive = new Set<string>();
    for (const l of this.lines(node)) {
      if (l.event !== 'memberlistEvent') continue;
      if (l.type === 'join' || l.type === 'alive') alive.add(String(l.member));
      if (l.type === 'dead' || l.type === 'left') alive.delete(String(l.member));
    }
    return alive;
  }

  /** Polls the speakers' logs (bounded in time and count) until `pred` holds for every node. */
  private async waitLogs(what: string, pred: (node: string) => boolean, timeoutMs: number): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (let i = 0; i < 2000 && Date.now() < end; i++) {
      if (this.nodes.every((n) => pred(n.name))) return;
      await sleep(100);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}\n${this.tails()}`);
  }

  /** Node objects as a kubelet registers them: hostname label, InternalIP, Ready. */
  private nodeManifests(): string {
    const now = new Date().toISOString();
    return this.nodes
      .map((n) =>
        yaml.dump({
          apiVersion: 'v1',
          kind: 'Node',
          metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux' } },
          status: {
            addresses: [{ type: 'InternalIP', address: n.ip4 }, { type: 'Hostname', address: n.name }],
            conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'test node', lastHeartbeatTime: now, lastTransitionTime: now }],
          },
        }),
      )
      .join('---\n');
  }

  /** `cmd args` wrapped so the kernel kills it when the test process dies (even by SIGKILL). */
  private dying(cmd: string, args: string[]): [string, string[]] {
    return existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args];
  }
}
