// A mixed speaker cluster in node namespaces: real MetalLB speakers (built by test/interop/metallb/build.sh) on some
// nodes, `metallbts speaker` on the others, one harness apiserver, one memberlist Secret, as a node-by-node migration has it.
import { execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { binDir } from '../../harness/bins';
import { installMetallbSystem, NAMESPACE, type ControlPlaneAccess } from '../../support/metallb-system';
import { ensureBuilt, L2Lab, REPO, type LabHost } from '../layer2/netns-lab';
import { dying, relayApiserverIntoNamespaces } from '../layer2/namespace-apiserver';
import { collectLogLines, memberlistSeen, type LogLine } from '../layer2/speaker-log';
import { LabCluster } from '../layer2/lab-cluster';
import type { KeyDerivation } from '../../../src/memberlist/key-derivation';
import { readyEndpointSlice } from '../endpoint-slice';

const MEMBERLIST_PORT = 7946;
/** The shape MetalLB's controller generates: 16 random bytes, base64 RawStd. */
export const MIXED_SECRET = 'TB6Su+iJ8AObGAX7x9NEnw';
/** The labels MetalLB's chart puts on speaker pods and passes as --ml-labels. */
export const SPEAKER_POD_LABELS = { 'app.kubernetes.io/name': 'metallb', 'app.kubernetes.io/component': 'speaker' };

export type SpeakerKind = { kind: 'metallb'; version: string } | { kind: 'metallbts'; keyDerivation: KeyDerivation };
export interface MixedNode extends LabHost {
  name: string;
  speaker: SpeakerKind;
}

/** The mixed tests' nodes: MetalLB on node-a and node-c, metallbts on node-b and node-d. */
export const NAMES = ['node-a', 'node-b', 'node-c', 'node-d'];

/** MetalLB's layer2 order, computed independently of both products: sha256("node#ip") ascending. */
export function shaOrder(ip: string, names = NAMES): string[] {
  const h = (n: string): Buffer => createHash('sha256').update(`${n}#${ip}`).digest();
  return [...names].sort((a, b) => Buffer.compare(h(a), h(b)));
}

const POOL = 'mixed-pool';
export const svcName = (vip: string): string => `mixed-${vip.split('.')[3]}`;

/** One pool and L2Advertisement for `vips`, a Cluster-policy Service per VIP with a ready endpoint on every node, IPs in status. */
export async function applyServices(cp: ControlPlaneAccess, vips: string[], nodes: string[]): Promise<void> {
  const docs: unknown[] = [
    { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: POOL, namespace: NAMESPACE }, spec: { addresses: vips.map((v) => `${v}/32`) } },
    { apiVersion: 'metallb.io/v1beta1', kind: 'L2Advertisement', metadata: { name: 'mixed', namespace: NAMESPACE }, spec: { ipAddressPools: [POOL] } },
  ];
  for (const vip of vips) {
    const name = svcName(vip);
    docs.push(
      { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default', annotations: { 'metallb.io/ip-allocated-from-pool': POOL } }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Cluster', selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] } },
      readyEndpointSlice(name, nodes.map((n, i) => ({ nodeName: n, address: `10.244.${i}.10` }))),
    );
  }
  await cp.kubectlOk(['apply', '-f', '-'], { input: docs.map((d) => yaml.dump(d)).join('---\n') });
  // No controller runs: the IPs go into status as a controller (MetalLB's or ours) would write them.
  for (const vip of vips) {
    await cp.kubectlOk(['patch', 'svc', svcName(vip), '--subresource=status', '--type=merge', '-p', JSON.stringify({ status: { loadBalancer: { ingress: [{ ip: vip }] } } })]);
  }
}

/** Path of the cached MetalLB speaker `version`, building it (cached, bounded) when missing. */
export function metallbSpeaker(version: string): string {
  const bin = join(binDir(), `metallb-speaker-${version}`);
  execFileSync('bash', [join(REPO, 'test', 'interop', 'metallb', 'build.sh'), version], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 1_800_000 });
  if (!existsSync(bin)) throw new Error(`${bin} was not built (test/interop/metallb/build.sh ${version})`);
  return bin;
}

export interface MixedOptions {
  /** Our speakers' memberlist profile (default lan: MetalLB's timings, as the migration guide advises while mixed). */
  oursProfile?: 'lan' | 'fast';
  /**
   * MetalLB's v0.16 memberlist config file (/etc/metallb/memberlist/config.json): bind-mounted there in a private mount
   * namespace per MetalLB speaker; the (empty) mount point is made if missing and removed by down().
   */
  metallbMemberlistConfig?: Record<string, unknown>;
}

const ML_CONFIG_DIR = '/etc/metallb/memberlist';

export class MixedCluster extends LabCluster<MixedNode> {
  private kubeconfig = '';
  private readonly procs = new Map<string, ChildProcess>();
  private madeConfigDirs: string[] = [];

  constructor(
    private readonly cp: ControlPlaneAccess,
    nodes: Array<{ name: string; speaker: SpeakerKind }>,
    tag: string,
    private readonly opts: MixedOptions = {},
  ) {
    const lab = new L2Lab(nodes.length, tag);
    super(lab, lab.nodes.map((h, i) => ({ ...h, ...nodes[i]! })));
  }

  /** Segment, metallb-system, Secret, Nodes, speaker Pods (labelled as MetalLB's chart does, podIP = node IP), `setup`, relays. */
  async prepare(vips: string[], setup: () => Promise<void>): Promise<void> {
    ensureBuilt();
    for (const n of this.nodes) if (n.speaker.kind === 'metallb') metallbSpeaker(n.speaker.version);
    this.dir = mkdtempSync(join(tmpdir(), `${this.lab.prefix}-`));
    this.lab.up(vips);
    await installMetallbSystem(this.cp);
    this.kubeconfig = this.cp.get().kubeconfigPath;
    await this.cp.kubectlOk(['-n', NAMESPACE, 'create', 'secret', 'generic', 'memberlist', `--from-literal=secretkey=${MIXED_SECRET}`]);
    // MetalLB reads the Secret as a mounted file: <ml-secret-key-path>/secretkey.
    mkdirSync(join(this.dir, 'memberlist'));
    writeFileSync(join(this.dir, 'memberlist', 'secretkey'), MIXED_SECRET);
    await this.cp.kubectlOk(['apply', '-f', '-'], { input: this.nodes.map((n) => this.nodeManifest(n)).join('---\n') });
    await this.cp.kubectlOk(['apply', '-f', '-'], { input: this.nodes.map((n) => this.podManifest(n)).join('---\n') });
    for (const n of this.nodes) {
      await this.cp.kubectlOk(['-n', NAMESPACE, 'patch', 'pod', `speaker-${n.name}`, '--subresource=status', '--type=merge', '-p', JSON.stringify({
        status: { phase: 'Running', podIP: n.ip4, podIPs: [{ ip: n.ip4 }], hostIP: n.ip4, conditions: [{ type: 'Ready', status: 'True' }] },
      })]);
    }
    if (this.opts.metallbMemberlistConfig) {
      mkdirSync(join(this.dir, 'ml-config'));
      writeFileSync(join(this.dir, 'ml-config', 'config.json'), JSON.stringify(this.opts.metallbMemberlistConfig));
      for (const d of ['/etc/metallb', ML_CONFIG_DIR]) {
        if (!existsSync(d)) {
          mkdirSync(d);
          this.madeConfigDirs.unshift(d);
        }
      }
    }
    await setup();
    this.rootRelay = await relayApiserverIntoNamespaces(this.lab, this.cp.get().server, this.dir, this.nodes.map((n) => n.ns));
  }

  /** Starts the speaker of each named node (ours with the `lan` profile, as docs/migrating-from-metallb.md advises while mixed) (all by default) and waits until each runs and its memberlist sees `peersOf(node)`. */
  async start(names = this.nodes.map((n) => n.name), peersOf: (node: string) => string[] = (node) => this.nodes.map((n) => n.name).filter((x) => x !== node)): Promise<void> {
    for (const name of names) this.startSpeaker(this.node(name));
    await this.waitLogs('the speakers are up', names, (node) => this.isUp(node), 90_000);
    await this.waitLogs('every memberlist sees its peers', names, (node) => peersOf(node).every((o) => this.memberlistSees(node).has(o)), 60_000);
  }

  /** Starts a node's speaker again (after kill) and waits until it runs and sees `peers`. */
  async restart(name: string, peers: string[]): Promise<void> {
    this.startSpeaker(this.node(name));
    await this.waitLogs(`${name} is up again`, [name], () => this.isUp(name, true), 90_000);
    await this.waitLogs(`${name} sees its peers again`, [name], () => peers.every((o) => this.memberlistSees(name).has(o)), 60_000);
  }

  /** A node crash as the network sees it: its link goes down (up again with `true`). */
  setLink(name: string, up: boolean): void {
    this.lab.exec(this.node(name).ns, 'ip', ['link', 'set', 'eth0', up ? 'up' : 'down']);
  }

  /** SIGKILLs a node's speaker (a crash: no leave, no handover). */
  kill(name: string): void {
    const p = this.procs.get(name);
    if (p?.pid && p.exitCode === null) process.kill(p.pid, 'SIGKILL');
    // `ip netns exec` execs into the speaker, but a setpriv wrapper may sit in between: kill what lives in the namespace too.
    const n = this.node(name);
    for (const pid of this.lab.pidsIn(n.ns)) {
      const cmd = ((): string => {
        try {
          return execFileSync('cat', [`/proc/${pid}/cmdline`]).toString();
        } catch {
          return '';
        }
      })();
      if (/metallb-speaker|metallbts\.js/.test(cmd)) process.kill(pid, 'SIGKILL');
    }
    this.procs.delete(name);
  }

  /** Also removes the /etc/metallb mount points up() made. */
  override down(keepLogs = false): void {
    super.down(keepLogs);
    for (const d of this.madeConfigDirs.splice(0)) {
      try {
        rmdirSync(d);
      } catch {
        // not empty or gone: leave it
      }
    }
  }

  tails(lines = 15): string {
    return this.nodes
      .map((n) => `--- ${n.speaker.kind} ${n.name} ---\n${this.lines(n.name).slice(-lines).map((l) => JSON.stringify(l)).join('\n')}`)
      .join('\n');
  }

  /** Members `node`'s memberlist reported joining and not leaving since its last start (from its log; MetalLB logs joins and leaves). */
  memberlistSees(node: string): Set<string> {
    return memberlistSeen(this.lines(node));
  }


  private isUp(node: string, sinceRestart = false): boolean {
    const n = this.node(node);
    const all = this.lines(node);
    // After a restart only the lines of the new process count (they follow its start marker).
    const from = sinceRestart ? all.map((l) => l.restartMarker === true).lastIndexOf(true) : 0;
    const ls = all.slice(Math.max(0, from));
    if (n.speaker.kind === 'metallbts') return ls.some((l) => l.event === 'syncDone');
    return ls.some((l) => typeof l.msg === 'string' && /Starting workers|memberlist join|Starting Manager/i.test(l.msg));
  }

  private startSpeaker(n: MixedNode): void {
    let cmd: string;
    let args: string[];
    if (n.speaker.kind === 'metallb') {
      cmd = metallbSpeaker(n.speaker.version);
      args = ['--node-name', n.name, '--pod-name', `speaker-${n.name}`, '--namespace', NAMESPACE, '--log-level', 'debug',
        '--ml-bindaddr', n.ip4, '--ml-bindport', String(MEMBERLIST_PORT), '--ml-secret-key-path', join(this.dir, 'memberlist'),
        '--ml-labels', Object.entries(SPEAKER_POD_LABELS).map(([k, v]) => `${k}=${v}`).join(','), '--kubeconfig', this.kubeconfig];
    } else {
      const peers = this.nodes.filter((o) => o !== n).map((o) => `${o.ip4}:${MEMBERLIST_PORT}`);
      cmd = process.execPath;
      args = [join(REPO, 'bin', 'metallbts.js'), 'speaker', '--node-name', n.name, '--kubeconfig', this.kubeconfig, '--namespace', NAMESPACE,
        '--metrics-host', '127.0.0.1', '--metrics-port', '7473', '--memberlist-bind', `${n.ip4}:${MEMBERLIST_PORT}`, '--memberlist-join', ...peers,
        '--memberlist-key-derivation', n.speaker.keyDerivation, '--memberlist-profile', this.opts.oursProfile ?? 'lan'];
    }
    if (n.speaker.kind === 'metallb' && this.opts.metallbMemberlistConfig) {
      // Private mount namespace: MetalLB reads its memberlist config from a fixed path.
      args = ['-m', '--propagation', 'private', '--', 'sh', '-c', 'mount --bind "$0" "$1" && shift && exec "$@"', join(this.dir, 'ml-config'), ML_CONFIG_DIR, cmd, ...args];
      cmd = 'unshare';
    }
    const p = this.lab.spawn(n.ns, ...dying(cmd, args));
    this.procs.set(n.name, p);
    const lines: LogLine[] = this.logs.get(n.name) ?? [];
    if (lines.length > 0) lines.push({ restartMarker: true });
    this.logs.set(n.name, lines);
    collectLogLines(p, join(this.dir, `speaker-${n.name}.log`), lines, () => this.stopped);
  }

  /** The speaker Pod a DaemonSet would have made on the node (no kubelet here: the test sets its status). */
  private podManifest(n: MixedNode): string {
    return yaml.dump({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `speaker-${n.name}`, namespace: NAMESPACE, labels: { ...SPEAKER_POD_LABELS, 'mixed-test/kind': n.speaker.kind } },
      spec: {
        nodeName: n.name,
        hostNetwork: true,
        serviceAccountName: 'speaker',
        automountServiceAccountToken: false,
        containers: [{ name: 'speaker', image: n.speaker.kind === 'metallb' ? `quay.io/metallb/speaker:${n.speaker.version}` : 'metallbts:local' }],
      },
    });
  }

}
