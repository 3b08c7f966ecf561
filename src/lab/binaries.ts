// Finds the programs the lab runs: the cached kube-apiserver/etcd/kubectl, FRR, and this package's own CLI.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export type CachedBinary = 'kube-apiserver' | 'etcd' | 'kubectl' | 'helm' | 'kube-controller-manager' | 'kube-scheduler'
  | 'kubelet' | 'kube-proxy';

const CACHED: readonly CachedBinary[] = ['etcd', 'kube-apiserver', 'kubectl', 'helm', 'kube-controller-manager', 'kube-scheduler',
  'kubelet', 'kube-proxy'];

/** Same cache as test/harness/install.sh: $METALLBTS_CACHE or ~/.cache/metallbts ($METALLBTS_KUBECTL overrides kubectl). */
export function cachedBinary(name: CachedBinary): string {
  if (name === 'kubectl' && process.env.METALLBTS_KUBECTL) return process.env.METALLBTS_KUBECTL;
  const root = process.env.METALLBTS_CACHE || join(homedir(), '.cache', 'metallbts');
  return join(root, 'bin', name);
}

/** The package root (where package.json names metallbts), found from this file in src/ or dist/src/. */
export function packageRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const pj = join(dir, 'package.json');
    if (existsSync(pj)) {
      try {
        if ((JSON.parse(readFileSync(pj, 'utf8')) as { name?: string }).name === 'metallbts') return dir;
      } catch {
        /* keep looking */
      }
    }
    dir = dirname(dir);
  }
  throw new Error(`cannot find the metallbts package root above ${__dirname}`);
}

export function cliEntry(): string {
  return join(packageRoot(), 'bin', 'metallbts.js');
}

/** The HTTP backend script (compiled JS; the lab always runs the built package). */
export function backendScript(): string {
  return join(packageRoot(), 'dist', 'src', 'lab', 'backend-server.js');
}

export const FRR_ZEBRA = '/usr/lib/frr/zebra';
export const FRR_BGPD = '/usr/lib/frr/bgpd';

/** Every missing prerequisite, as actionable lines (empty when the lab can run). */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (process.platform !== 'linux') missing.push('the lab needs Linux network namespaces');
  if (process.getuid?.() !== 0) missing.push('the lab must run as root (it creates network namespaces)');
  for (const b of CACHED) {
    if (!existsSync(cachedBinary(b))) missing.push(`${b} not found at ${cachedBinary(b)}: run sudo bash test/harness/install.sh go`);
  }
  for (const f of [FRR_ZEBRA, FRR_BGPD, '/usr/bin/vtysh']) {
    if (!existsSync(f)) missing.push(`${f} not found: install the Debian package frr (test/harness/install.sh)`);
  }
  for (const f of ['/usr/bin/containerd', '/usr/bin/ctr', '/usr/sbin/runc', '/usr/lib/cni/bridge', '/usr/lib/cni/host-local',
    '/usr/sbin/iptables', '/usr/sbin/conntrack', '/usr/bin/buildah', '/usr/bin/mmdebstrap']) {
    if (!existsSync(f)) missing.push(`${f} not found: run sudo bash test/harness/install.sh apt`);
  }
  if (!existsSync(cliEntry())) missing.push(`${cliEntry()} not found`);
  return missing;
}
