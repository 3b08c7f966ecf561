// The speaker CLI in a lab namespace that can be killed (SIGTERM or SIGKILL) and started again behind one apiserver relay.
import { spawn, type ChildProcess } from 'node:child_process';
import type { SharedControlPlane } from '../../harness/jest-control-plane';
import { NAMESPACE } from '../../support/metallb-system';
import { relayApiserverInto, type ApiRelay } from './api-relay';
import { CLI } from './lab';

export class RestartableSpeaker {
  /** JSON log lines of every run, in order. */
  readonly logs: string[] = [];
  private proc?: ChildProcess;

  private constructor(
    private readonly ns: string,
    private readonly relay: ApiRelay,
    private readonly kubeconfig: string,
    private readonly nodeName: string,
  ) {}

  static async create(ns: string, dir: string, cp: Pick<SharedControlPlane, 'get'>, kubeconfig: string, nodeName: string): Promise<RestartableSpeaker> {
    const relay = await relayApiserverInto(ns, cp.get().server, dir);
    return new RestartableSpeaker(ns, relay, kubeconfig, nodeName);
  }

  start(): void {
    if (this.running) throw new Error('speaker already running');
    const p = spawn('ip', ['netns', 'exec', this.ns, process.execPath, CLI, 'speaker', '--node-name', this.nodeName, '--kubeconfig', this.kubeconfig, '--namespace', NAMESPACE, '--metrics-host', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (b: Buffer) => this.logs.push(...b.toString().split('\n').filter(Boolean));
    p.stdout!.on('data', collect);
    p.stderr!.on('data', collect);
    this.proc = p;
  }

  get running(): boolean {
    return !!this.proc && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  /** Sends `signal` and waits (bounded) for the process to exit; `ip netns exec` execs node, so the pid is the speaker. */
  async kill(signal: NodeJS.Signals, timeoutMs = 15_000): Promise<void> {
    const p = this.proc;
    if (!p || !this.running) return;
    // 'close': also its last log lines read from the pipe.
    const exited = new Promise<void>((res) => p.once('close', () => res()));
    p.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((res) => (timer = setTimeout(() => res('late'), timeoutMs)));
    const r = await Promise.race([exited, late]);
    clearTimeout(timer);
    if (r === 'late') {
      p.kill('SIGKILL');
      throw new Error(`speaker did not exit within ${timeoutMs} ms of ${signal}`);
    }
  }

  /** Sends `signal` without waiting (SIGSTOP/SIGCONT freeze and thaw the speaker). */
  signal(signal: NodeJS.Signals): void {
    if (this.running) this.proc!.kill(signal);
  }

  async stop(): Promise<void> {
    if (this.running) this.proc!.kill('SIGKILL');
    await this.relay.stop();
  }
}
