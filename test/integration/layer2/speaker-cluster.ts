// Real `metallbts speaker` processes, one per node namespace of an L2Lab, against the harness kube-apiserver (reached through socket relays), as `npm run lab` runs them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SharedControlPlane } from '../../harness/jest-control-plane';
import { installMetallbSystem, NAMESPACE } from '../../support/metallb-system';
import { ensureBuilt, L2Lab, REPO, type LabHost } from './netns-lab';
import { dying, relayApiserverIntoNamespaces } from './namespace-apiserver';
import { collectLogLines, memberlistSeen, type LogLine } from './speaker-log';
import { LabCluster } from './lab-cluster';

const MEMBERLIST_PORT = 7946;
const MEMBERLIST_SECRET = 'policy-test-memberlist-secret-0123456789';

export interface ClusterNode extends LabHost {
  name: string;
}

export class SpeakerCluster extends LabCluster<ClusterNode> {
  constructor(
    private readonly cp: SharedControlPlane,
    names: string[],
    tag: string,
  ) {
    const lab = new L2Lab(names.length, tag);
    super(lab, lab.nodes.map((h, i) => ({ ...h, name: names[i]! })));
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
    await this.cp.kubectlOk(['apply', '-f', '-'], { input: this.nodes.map((n) => this.nodeManifest(n)).join('---\n') });
    await setup();
    this.rootRelay = await relayApiserverIntoNamespaces(this.lab, this.cp.get().server, this.dir, this.nodes.map((n) => n.ns));
    for (const n of this.nodes) this.startSpeaker(n, kubeconfig);
    const names = this.nodes.map((n) => n.name);
    await this.waitLogs('every speaker synced', names, (node) => this.lines(node).some((l) => l.event === 'syncDone'), 90_000);
    await this.waitLogs('every memberlist sees every other node', names, (node) => this.nodes.every((o) => o.name === node || this.memberlistSees(node).has(o.name)), 60_000);
  }

  /** up(); when that fails the cluster goes down with its logs kept, and the error says where they are. */
  async upKeepingLogsOnFailure(vips: string[], setup: () => Promise<void>): Promise<void> {
    try {
      await this.up(vips, setup);
    } catch (err) {
      this.failUp(err);
    }
  }

  /** No controller runs in these labs: `ip` goes into Service `name`'s status as the controller would write it. */
  setIngress(name: string, ip: string): Promise<string> {
    return this.cp.kubectlOk(['patch', 'svc', name, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip }] } } })]);
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
    const p = this.lab.spawn(n.ns, ...dying(process.execPath, args));
    const lines: LogLine[] = [];
    this.logs.set(n.name, lines);
    collectLogLines(p, join(this.dir, `speaker-${n.name}.log`), lines, () => this.stopped);
  }

  /** Members `node`'s memberlist reported joining and not leaving since (from its log). */
  private memberlistSees(node: string): Set<string> {
    return memberlistSeen(this.lines(node));
  }
}
