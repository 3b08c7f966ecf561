// Locates the binaries test/harness/install.sh builds, with an actionable error when they are missing.
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export type CachedBinary = 'kube-apiserver' | 'etcd' | 'kubectl' | 'helm';

/** Root of the harness cache: $METALLBTS_CACHE or ~/.cache/metallbts. */
export function cacheDir(): string {
  return process.env.METALLBTS_CACHE || join(homedir(), '.cache', 'metallbts');
}

export function binDir(): string {
  return join(cacheDir(), 'bin');
}

/** Absolute path of a cached binary; throws telling how to build it when absent. */
export function binPath(name: CachedBinary): string {
  const path = join(binDir(), name);
  if (!existsSync(path)) {
    throw new Error(
      `${name} not found at ${path}. Build the test binaries first: ` +
        `sudo bash test/harness/install.sh go   (or set METALLBTS_CACHE to where they were built)`,
    );
  }
  return path;
}

/** True when every named binary is present (for callers that want to report, not throw). */
export function haveBinaries(names: CachedBinary[]): boolean {
  return names.every((n) => existsSync(join(binDir(), n)));
}
