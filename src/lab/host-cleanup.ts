// What the lab's nodes leave on the host outside their namespaces: pod processes, mounts, cgroups, log links.
import { existsSync, readdirSync, readFileSync, readlinkSync, rmdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './shell';
import { labDataDir, labDir } from './state';
import { NS_PREFIX } from './topology';

/** Pids whose cgroup lies under a lab node's cgroup root (`/mlbts-lab-node-x/...`): pod processes in pod netns. */
export function podPids(cgroupRoot: string = NS_PREFIX): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cg = readFileSync(`/proc/${entry}/cgroup`, 'utf8');
      if (cg.includes(`:/${cgroupRoot}`)) pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

/** Mount points under the lab's dirs (overlay rootfs, shm, pod netns, projected volumes), deepest first. */
export function labMounts(): string[] {
  const roots = [labDir(), labDataDir()].map((d) => d.replace(/\/+$/, '') + '/');
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((p): p is string => !!p && roots.some((r) => p.startsWith(r)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

/** Lazily unmounts every lab mount; returns the ones that stay. */
export async function unmountLab(): Promise<string[]> {
  for (let round = 0; round < 3; round++) {
    const points = labMounts();
    if (points.length === 0) return [];
    for (const p of points) await run('umount', ['-l', p], { timeoutMs: 10_000 });
  }
  return labMounts();
}

/** Removes the kubelets' cgroup roots (`/mlbts-lab-*`) in every hierarchy, children first; returns what stays. */
export function removeLabCgroups(): string[] {
  const left: string[] = [];
  const hierarchies = existsSync('/sys/fs/cgroup') ? readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h)) : [];
  const removeTree = (dir: string, depth: number): void => {
    if (depth > 12) return;
    let children: string[] = [];
    try {
      children = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => join(dir, d.name));
    } catch {
      return;
    }
    for (const c of children) removeTree(c, depth + 1);
    try {
      rmdirSync(dir);
    } catch {
      if (existsSync(dir)) left.push(dir);
    }
  };
  for (const h of [...hierarchies, '/sys/fs/cgroup']) {
    let entries: string[] = [];
    try {
      entries = readdirSync(h).filter((e) => e.startsWith(NS_PREFIX));
    } catch {
      continue;
    }
    for (const e of entries) removeTree(join(h, e), 0);
  }
  return left;
}

/** The kubelets' `/var/log/containers` links into the lab's pod log dirs. */
export function removeContainerLogLinks(): number {
  const dir = '/var/log/containers';
  let removed = 0;
  if (!existsSync(dir)) return 0;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    try {
      if (readlinkSync(p).startsWith(labDataDir())) {
        unlinkSync(p);
        removed++;
      }
    } catch {
      /* not a link */
    }
  }
  return removed;
}

/** Host-wide sysctls every kubelet sets (kernel tunables, not per namespace): saved at `up`, put back at `down`. */
const KUBELET_SYSCTLS = ['vm/overcommit_memory', 'kernel/panic', 'kernel/panic_on_oops', 'kernel/keys/root_maxkeys', 'kernel/keys/root_maxbytes'];
const sysctlsFile = (): string => join(labDir(), 'host-sysctls.json');

export function saveHostSysctls(): void {
  if (existsSync(sysctlsFile())) return;
  const saved: Record<string, string> = {};
  for (const k of KUBELET_SYSCTLS) {
    try {
      saved[k] = readFileSync(`/proc/sys/${k}`, 'utf8').trim();
    } catch {
      /* not on this kernel */
    }
  }
  writeFileSync(sysctlsFile(), JSON.stringify(saved), { mode: 0o600 });
}

/** Returns the keys it could not restore. */
export function restoreHostSysctls(): string[] {
  const failed: string[] = [];
  if (!existsSync(sysctlsFile())) return failed;
  const saved = JSON.parse(readFileSync(sysctlsFile(), 'utf8')) as Record<string, string>;
  for (const [k, v] of Object.entries(saved)) {
    try {
      if (readFileSync(`/proc/sys/${k}`, 'utf8').trim() !== v) writeFileSync(`/proc/sys/${k}`, v);
    } catch {
      failed.push(k);
    }
  }
  return failed;
}
