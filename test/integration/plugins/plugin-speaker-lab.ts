// One real `metallbts speaker` in a node namespace, with third-party plugins (--plugin) next to layer2, against the harness apiserver.
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SharedControlPlane } from '../../harness/jest-control-plane';
import { installMetallbSystem, NAMESPACE } from '../../support/metallb-system';
import { LabCluster } from '../layer2/lab-cluster';
import { dying, relayApiserverIntoNamespaces } from '../layer2/namespace-apiserver';
import { ensureBuilt, L2Lab, must, REPO, type LabHost } from '../layer2/netns-lab';
import { collectLogLines, type LogLine } from '../layer2/speaker-log';

export interface PluginNode extends LabHost {
  name: string;
}

export interface PluginSpeakerOptions {
  /** Modules for --plugin (paths). */
  plugins: string[];
  /** Extra environment of the speaker (plugin limits, fixture fault dir, METALLBTS_PLUGIN_OPTIONS). */
  env: Record<string, string>;
}

export class PluginSpeakerLab extends LabCluster<PluginNode> {
  constructor(
    private readonly cp: SharedControlPlane,
    tag: string,
  ) {
    const lab = new L2Lab(1, tag);
    super(lab, [{ ...lab.nodes[0]!, name: 'node-a' }]);
  }

  get speakerNode(): PluginNode {
    return this.nodes[0]!;
  }

  /** Segment with `vips`, metallb-system, memberlist Secret, the Node, `setup` (config, Services), relay, then the speaker. */
  async up(vips: string[], opts: PluginSpeakerOptions, setup: () => Promise<void>): Promise<void> {
    ensureBuilt();
    fixturesBuilt(opts.plugins);
    this.dir = mkdtempSync(join(tmpdir(), `${this.lab.prefix}-`));
    try {
      this.lab.up(vips);
      const { speaker: kubeconfig } = await installMetallbSystem(this.cp);
      await this.cp.kubectlOk(['-n', NAMESPACE, 'create', 'secret', 'generic', 'memberlist', '--from-literal=secretkey=plugiso-memberlist-secret-0123456789']);
      await this.cp.kubectlOk(['apply', '-f', '-'], { input: this.nodeManifest(this.speakerNode) });
      await setup();
      this.rootRelay = await relayApiserverIntoNamespaces(this.lab, this.cp.get().server, this.dir, [this.speakerNode.ns]);
      this.startSpeaker(kubeconfig, opts);
      await this.waitLogs('the speaker synced', ['node-a'], (n) => this.lines(n).some((l) => l.event === 'syncDone'), 90_000);
    } catch (err) {
      this.failUp(err);
    }
  }

  /** No controller here: `ip` goes into the Service's status as the controller would write it. */
  setIngress(name: string, ip: string): Promise<string> {
    return this.cp.kubectlOk(['patch', 'svc', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip }] } } })]);
  }

  /** GET on the speaker's metrics server (inside its namespace). */
  async get(path: string): Promise<string> {
    const r = await this.lab.execAsync(this.speakerNode.ns, 'curl', ['-s', '--max-time', '5', `http://127.0.0.1:7473${path}`], 10_000);
    return r.stdout;
  }

  waitFor(what: string, pred: () => boolean, timeoutMs: number): Promise<void> {
    return this.waitLogs(what, ['node-a'], () => pred(), timeoutMs);
  }

  tails(lines = 30): string {
    return `--- speaker node-a ---\n${this.lines('node-a').slice(-lines).map((l) => JSON.stringify(l)).join('\n')}`;
  }

  private startSpeaker(kubeconfig: string, opts: PluginSpeakerOptions): void {
    const n = this.speakerNode;
    const env = Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
    const args = [...env, process.execPath, join(REPO, 'bin', 'metallbts.js'), 'speaker', '--node-name', n.name, '--kubeconfig', kubeconfig, '--namespace', NAMESPACE,
      '--metrics-host', '127.0.0.1', '--metrics-port', '7473', '--memberlist-bind', `${n.ip4}:7946`, ...opts.plugins.flatMap((p) => ['--plugin', p])];
    const p = this.lab.spawn(n.ns, ...dying('env', args));
    const lines: LogLine[] = [];
    this.logs.set(n.name, lines);
    collectLogLines(p, join(this.dir, 'speaker-node-a.log'), lines, () => this.stopped);
    this.process = p;
  }

  process?: ReturnType<L2Lab['spawn']>;
}

/** ensureBuilt() looks at src/ and layer2 only: compile again when a fixture plugin changed since its .js. */
function fixturesBuilt(modules: string[]): void {
  const sources = join(REPO, 'test', 'fixtures', 'plugins');
  const newest = Math.max(...readdirSync(sources).filter((f) => f.endsWith('.ts')).map((f) => statSync(join(sources, f)).mtimeMs));
  if (modules.some((m) => !existsSync(m) || statSync(m).mtimeMs < newest)) must('npx', ['tsc', '-p', join(REPO, 'tsconfig.json')], 600_000);
}
