// The lab's on-disk state (logs, certs, kubeconfigs, etcd data, pids) under one directory `lab down` deletes.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LabProcessRecord {
  /** e.g. speaker/node-a, controller, etcd. */
  name: string;
  ns: string;
  pid: number;
  log: string;
  startedAt: string;
  /** Inode of the namespace at start: identifies our process even if the namespace was already deleted. */
  nsInode?: number;
  /** How it was started, so `lab failover` can restart a killed speaker the same way. */
  cmd?: string;
  args?: string[];
}

export interface LabStateFile {
  createdAt: string;
  processes: LabProcessRecord[];
}

/** $METALLBTS_LAB_DIR or /run/metallbts-lab (tmpfs, root only; gone after reboot like the namespaces). */
export function labDir(): string {
  return process.env.METALLBTS_LAB_DIR || '/run/metallbts-lab';
}

/** $METALLBTS_LAB_DATA or /var/lib/metallbts-lab: the nodes' containerd and kubelet roots (image layers do not fit a tmpfs). */
export function labDataDir(): string {
  return process.env.METALLBTS_LAB_DATA || '/var/lib/metallbts-lab';
}

/** Where one lab node keeps its runtime: containerd root (disk), state and socket (tmpfs), kubelet root, CNI config. */
export const nodePaths = (node: string) => ({
  containerdRoot: join(labDataDir(), node, 'containerd'),
  containerdState: join(labDir(), 'nodes', node, 'containerd'),
  containerdConfig: join(labDir(), 'nodes', node, 'containerd.toml'),
  containerdSocket: join(labDir(), 'nodes', node, 'containerd.sock'),
  cniConfDir: join(labDir(), 'nodes', node, 'net.d'),
  cniDataDir: join(labDataDir(), node, 'cni'),
  kubeletRoot: join(labDataDir(), node, 'kubelet'),
  podLogs: join(labDataDir(), node, 'pod-logs'),
  kubeletConfig: join(labDir(), 'nodes', node, 'kubelet.yaml'),
  kubeProxyConfig: join(labDir(), 'nodes', node, 'kube-proxy.yaml'),
});

export const labPaths = {
  root: (): string => labDir(),
  state: (): string => join(labDir(), 'state.json'),
  logs: (): string => join(labDir(), 'logs'),
  log: (name: string): string => join(labDir(), 'logs', `${name.replace(/\//g, '-')}.log`),
  pki: (): string => join(labDir(), 'pki'),
  etcdData: (): string => join(labDir(), 'etcd-data'),
  adminKubeconfig: (): string => join(labDir(), 'admin.kubeconfig'),
  kubeconfig: (who: string): string => join(labDir(), `${who}.kubeconfig`),
  tokens: (): string => join(labDir(), 'tokens.csv'),
  file: (name: string): string => join(labDir(), name),
};

export function ensureLabDirs(): void {
  mkdirSync(labPaths.logs(), { recursive: true, mode: 0o700 });
  mkdirSync(labPaths.pki(), { recursive: true, mode: 0o700 });
}

export function readState(): LabStateFile | undefined {
  if (!existsSync(labPaths.state())) return undefined;
  try {
    return JSON.parse(readFileSync(labPaths.state(), 'utf8')) as LabStateFile;
  } catch {
    return undefined;
  }
}

function writeState(state: LabStateFile): void {
  const tmp = `${labPaths.state()}.tmp`;
  writeFileSync(tmp, JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
  renameSync(tmp, labPaths.state());
}

export function initState(): void {
  writeState({ createdAt: new Date().toISOString(), processes: [] });
}

export function recordProcess(rec: LabProcessRecord): void {
  const state = readState() ?? { createdAt: new Date().toISOString(), processes: [] };
  state.processes = state.processes.filter((p) => p.name !== rec.name);
  state.processes.push(rec);
  writeState(state);
}

/** Forgets a process (stopped on purpose, e.g. a node taken down by `lab failover --node`). */
export function forgetProcess(name: string): void {
  const state = readState();
  if (!state) return;
  state.processes = state.processes.filter((p) => p.name !== name);
  writeState(state);
}
