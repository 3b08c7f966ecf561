// One real Kubernetes node in a lab namespace: its own containerd, kubelet and kube-proxy, pod network on a bridge.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { cachedBinary } from './binaries';
import { isRunning, logTail, signal, startDaemon } from './daemons';
import { podPids } from './host-cleanup';
import { containerdConfig, cniConflist, kubeletConfig, kubeProxyNodeConfig } from './node-config';
import { must, pollUntil, run } from './shell';
import { forgetProcess, labPaths, nodePaths, type LabProcessRecord } from './state';
import { NODES, ROUTER, podCidr, type LabHost } from './topology';

export const containerdName = (n: LabHost): string => `containerd/${n.name}`;
export const kubeletName = (n: LabHost): string => `kubelet/${n.name}`;
export const kubeProxyName = (n: LabHost): string => `kube-proxy/${n.name}`;

const sysctl = (ns: string, key: string, value: string | number): Promise<string> =>
  must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `${key}=${value}`]);

export class LabNode {
  constructor(readonly host: LabHost) {}

  private get paths(): ReturnType<typeof nodePaths> {
    return nodePaths(this.host.name);
  }

  /** `ctr` against this node's containerd. */
  ctr(args: string[], timeoutMs = 60_000): Promise<string> {
    return must('ctr', ['--address', this.paths.containerdSocket, '-n', 'k8s.io', ...args], { timeoutMs });
  }

  /**
   * The whole node down, as a power cut looks from the LAN: kubelet, kube-proxy, containerd and every pod process
   * killed, then its link down. Forgets the daemons so health checks do not count them as crashed.
   */
  async powerOff(): Promise<void> {
    const names = [kubeletName(this.host), kubeProxyName(this.host), containerdName(this.host)];
    const pids = new Set<number>(podPids(this.host.ns));
    const r = await run('ip', ['netns', 'pids', this.host.ns], { timeoutMs: 10_000 });
    for (const p of r.stdout.split(/\s+/).filter(Boolean)) pids.add(Number(p));
    for (const p of pids) signal(p, 'SIGKILL');
    for (const n of names) forgetProcess(n);
    await must('ip', ['-n', this.host.ns, 'link', 'set', 'eth0', 'down']);
  }

  /** Link up and the node's daemons started again from the files they ran with. */
  async powerOn(): Promise<void> {
    await must('ip', ['-n', this.host.ns, 'link', 'set', 'eth0', 'up']);
    await must('ip', ['-n', this.host.ns, 'route', 'replace', 'default', 'via', ROUTER.ip]);
    for (const other of NODES) {
      if (other !== this.host) await must('ip', ['-n', this.host.ns, 'route', 'replace', podCidr(other), 'via', other.ip]);
    }
    await this.startContainerd();
    this.startKubelet();
    this.startKubeProxy();
  }

  /** Default route via the router, forwarding on, routes to the other nodes' pod /24s, CNI config. */
  async prepareNetwork(): Promise<void> {
    const ns = this.host.ns;
    await must('ip', ['-n', ns, 'route', 'replace', 'default', 'via', ROUTER.ip]);
    await sysctl(ns, 'net.ipv4.ip_forward', 1);
    // kube-proxy's rules must see pod-to-Service traffic that stays on the node's bridge.
    await sysctl(ns, 'net.bridge.bridge-nf-call-iptables', 1).catch(() => undefined);
    for (const other of NODES) {
      if (other !== this.host) await must('ip', ['-n', ns, 'route', 'replace', podCidr(other), 'via', other.ip]);
    }
    for (const d of [this.paths.cniConfDir, this.paths.cniDataDir, this.paths.containerdRoot, this.paths.containerdState,
      this.paths.kubeletRoot, this.paths.podLogs]) mkdirSync(d, { recursive: true, mode: 0o700 });
    writeFileSync(`${this.paths.cniConfDir}/10-lab.conflist`, cniConflist(this.host));
  }

  /**
   * The kubelet's cgroup root (`/mlbts-lab-node-x`) in every cgroup v1 hierarchy, as a node's init would have made
   * it: the kubelet refuses a root with missing paths. cpuset needs its cpus/mems filled before children can use it.
   */
  createCgroupRoot(): void {
    const base = '/sys/fs/cgroup';
    for (const h of readdirSync(base)) {
      const dir = join(base, h, this.host.ns);
      try {
        mkdirSync(dir, { recursive: true });
      } catch {
        continue; // not a writable hierarchy (e.g. the tmpfs itself)
      }
      if (h === 'cpuset') {
        for (const f of ['cpuset.cpus', 'cpuset.mems']) writeFileSync(join(dir, f), readFileSync(join(base, h, f), 'utf8').trim());
      }
    }
  }

  async startContainerd(sandboxImage?: string): Promise<LabProcessRecord> {
    if (sandboxImage) writeFileSync(this.paths.containerdConfig, containerdConfig(this.host, sandboxImage));
    const rec = startDaemon(containerdName(this.host), this.host.ns, '/usr/bin/containerd',
      ['--config', this.paths.containerdConfig], {}, { netOnly: true });
    await pollUntil(`containerd on ${this.host.name}`, async () => {
      if (!isRunning(rec.pid)) throw Object.assign(new Error(`containerd on ${this.host.name} exited:\n${logTail(rec.log)}`), { fatal: true });
      const r = await run('ctr', ['--address', this.paths.containerdSocket, 'version'], { timeoutMs: 5000 });
      return r.code === 0 ? true : undefined;
    }, { timeoutMs: 30_000, everyMs: 250 });
    return rec;
  }

  /** Loads image archives into the CRI namespace (what `docker load` is to docker): no registry is involved. */
  async importImages(archives: string[]): Promise<void> {
    for (const a of archives) await this.ctr(['images', 'import', a], 180_000);
  }

  startKubelet(caFile?: string): LabProcessRecord {
    const kubeconfig = labPaths.kubeconfig(`kubelet-${this.host.name}`);
    if (caFile) writeFileSync(this.paths.kubeletConfig, kubeletConfig(this.host, { kubeconfig, caFile }));
    this.createCgroupRoot();
    return startDaemon(kubeletName(this.host), this.host.ns, cachedBinary('kubelet'), [
      `--config=${this.paths.kubeletConfig}`, `--kubeconfig=${kubeconfig}`, `--root-dir=${this.paths.kubeletRoot}`,
      `--hostname-override=${this.host.name}`, `--node-ip=${this.host.ip}`, '--v=1',
    ], {}, { netOnly: true });
  }

  /** kube-proxy with the kube-system/kube-proxy ConfigMap's `config.conf` (its kubeconfig and hostname made this node's). */
  startKubeProxy(configConf?: string): LabProcessRecord {
    if (configConf) writeFileSync(this.paths.kubeProxyConfig, kubeProxyNodeConfig(configConf, this.host, labPaths.kubeconfig('kube-proxy')));
    return startDaemon(kubeProxyName(this.host), this.host.ns, cachedBinary('kube-proxy'),
      [`--config=${this.paths.kubeProxyConfig}`, '--v=1'], {}, { netOnly: true });
  }
}
