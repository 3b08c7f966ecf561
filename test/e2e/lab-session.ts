// What every e2e lab file shares: the built CLI run with a timeout, lab up/down around the lab lock, the root-namespace and leftover checks.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { labMounts, podPids } from '../../src/lab/host-cleanup';
import type { LabKubectl } from '../../src/lab/kubectl';
import { curlFromClient } from '../../src/lab/probes';
import { sleep } from '../../src/lab/shell';
import { labDataDir, labDir } from '../../src/lab/state';
import { METALLB_NAMESPACE } from '../../src/lab/topology';
import { releaseLabLock } from './lab-lock';

export { sleep };

export const REPO = join(__dirname, '..', '..');
export const CLI = join(REPO, 'bin', 'metallbts.js');
export const cacheDir = (): string => process.env.METALLBTS_CACHE || join(process.env.HOME ?? '/root', '.cache', 'metallbts');

/** The image reference test/harness/images.sh cached for `name` (metallbts, nginx, ...). */
export const cachedImageRef = (name: string): string => readFileSync(join(cacheDir(), 'images', `${name}.ref`), 'utf8').trim();

export interface CliRun {
  code: number | null;
  output: string;
}

/** Runs the built CLI with a hard timeout, collecting stdout+stderr (echoed when METALLBTS_E2E_VERBOSE=1). */
export function cli(args: string[], timeoutMs: number): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (d: Buffer): void => {
      output += d.toString();
      if (process.env.METALLBTS_E2E_VERBOSE === '1') process.stderr.write(d);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

/** `lab down` for an afterAll: its failure is only printed (the tests already spoke), then the lab lock is released. */
export async function labDownAndRelease(): Promise<void> {
  const down = await cli(['lab', 'down'], 180_000);
  if (down.code !== 0) process.stderr.write(`lab down:\n${down.output}\n`);
  releaseLabLock();
}

/** What the root namespace's addresses and routes look like (the lab must not change them). */
export const rootNet = (): string => ['addr', 'route', '-6 route'].map((w) =>
  spawnSync('ip', ['-br', ...w.split(' ')], { encoding: 'utf8' }).stdout.replace(/\s+$/gm, '')).join('\n');

export const labNamespaces = (): string[] => {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith('mlbts-lab-'));
  } catch {
    return [];
  }
};

/** `lab down` as a test: it succeeds and leaves no namespace, mount, pod process or file, and the root namespace as it was. */
export async function expectLabDownLeavesNothing(rootBefore: string): Promise<void> {
  const down = await cli(['lab', 'down'], 180_000);
  if (down.code !== 0) throw new Error(`lab down exited ${down.code}:\n${down.output}`);
  expect(labNamespaces()).toEqual([]);
  expect(labMounts()).toEqual([]);
  expect(podPids()).toEqual([]);
  expect(existsSync(labDir())).toBe(false);
  expect(existsSync(labDataDir())).toBe(false);
  expect(rootNet()).toBe(rootBefore);
}

/** `helm uninstall --wait` returns once the objects are deleted; their pods may still be terminating. */
export async function waitNoPods(kubectl: LabKubectl): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (!(await kubectl.ok(['get', 'pods', '-n', METALLB_NAMESPACE, '-o', 'name'])).trim()) return;
    await sleep(1000);
  }
  throw new Error(`pods left in ${METALLB_NAMESPACE} after 120 s`);
}

/** Requests counted by outcome: `cut` is an in-flight connection reset when the VIP moved (its retry then succeeded). */
export interface RequestCounts {
  ok: number;
  failed: string[];
  cut: string[];
}

// curl 56 (reset while receiving) and 52 (empty reply): the connection was mid-flight when another node took the VIP.
const CUT_IN_FLIGHT = /\((56|52)\)/;

/**
 * One request to the VIP, added to `r`. A connection cut in flight is retried at once: with the new owner's
 * kube-proxy the retry must succeed, else it is a failure (an outage, not just a moved connection).
 */
export async function requestOnce(vip: string, r: RequestCounts): Promise<void> {
  const a = await curlFromClient(vip, 1);
  if (a.ok) {
    r.ok++;
    return;
  }
  const at = `${new Date().toISOString()} ${a.error ?? ''}`;
  if (!CUT_IN_FLIGHT.test(a.error ?? '')) {
    r.failed.push(at);
    return;
  }
  const retry = await curlFromClient(vip, 1);
  if (retry.ok) {
    r.ok++;
    r.cut.push(at);
  } else r.failed.push(`${at}; retry: ${retry.error ?? ''}`);
}

/** Polls the VIP every `everyMs` while `during` runs (and `settleMs` after), counting failed requests. */
export async function pollWhile(vip: string, during: Promise<unknown>, everyMs = 50, settleMs = 3000): Promise<RequestCounts> {
  let done = false;
  void during.then(
    () => (done = true),
    () => (done = true),
  );
  const r: RequestCounts = { ok: 0, failed: [], cut: [] };
  let doneAt: number | undefined;
  for (let i = 0; i < 20_000; i++) {
    await requestOnce(vip, r);
    if (done) doneAt ??= performance.now();
    if (doneAt !== undefined && performance.now() - doneAt > settleMs) break;
    await sleep(everyMs);
  }
  await during;
  return r;
}
