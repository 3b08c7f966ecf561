// A throwaway containerd (own root, state, socket) inside a network namespace, for image tests.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startProcess, type ManagedProcess } from '../../harness/process';

const run = promisify(execFile);
// Where containerd's runc v2 shim keeps runc state for the k8s.io namespace.
const RUNC_ROOT = '/run/containerd/runc/k8s.io';

export interface CtrResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface ScratchContainerd {
  readonly dir: string;
  readonly netns: string;
  /** Container ids must start with `${netns}-` (the cleanup finds leftovers by that prefix). */
  /** `ctr -n k8s.io ARGS` against this containerd; never throws on a non-zero exit. */
  ctr(args: string[], timeoutMs?: number): Promise<CtrResult>;
  /** A command inside the namespace (nsenter --net), e.g. curl. */
  inNetns(cmd: string, args: string[], timeoutMs?: number): Promise<CtrResult>;
  /** Kills every task, removes containers, stops containerd and its shims, unmounts, deletes dir and netns. */
  stop(): Promise<void>;
}

async function exec(cmd: string, args: string[], timeoutMs = 60_000): Promise<CtrResult> {
  try {
    const { stdout, stderr } = await run(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
    return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? e.message };
  }
}

function config(dir: string): string {
  // No CRI plugin: nothing here needs it, and it would look for CNI config.
  return [
    'version = 2',
    `root = "${dir}/root"`,
    `state = "${dir}/state"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = "${dir}/containerd.sock"`,
    '[ttrpc]',
    `  address = "${dir}/containerd.sock.ttrpc"`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '',
  ].join('\n');
}

/** Mount points under `dir` (deepest first), from this process's mount table. */
function mountsUnder(dir: string): string[] {
  return readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .map((p) => p.replace(/\\040/g, ' '))
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
}

/** Pids whose command line names `needle` (the shims carry our socket address). */
async function pidsMentioning(needle: string): Promise<number[]> {
  const r = await exec('pgrep', ['-f', '--', needle]);
  return r.stdout
    .split('\n')
    .map((s) => Number(s.trim()))
    .filter((n) => Number.isInteger(n) && n > 0 && n !== process.pid);
}

export async function startScratchContainerd(netns: string, readyTimeoutMs = 30_000): Promise<ScratchContainerd> {
  const dir = mkdtempSync(join(tmpdir(), `${netns}-containerd-`));
  const socket = join(dir, 'containerd.sock');
  writeFileSync(join(dir, 'config.toml'), config(dir));
  await exec('ip', ['netns', 'del', netns]); // a leftover from an interrupted run
  const add = await exec('ip', ['netns', 'add', netns]);
  if (add.code !== 0) throw new Error(`ip netns add ${netns}: ${add.stderr}`);
  await exec('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);

  // Only the network namespace: `ip netns exec` would remount /sys and hide the cgroup mounts from runc.
  let proc: ManagedProcess | undefined;
  const ctr = (args: string[], timeoutMs = 120_000): Promise<CtrResult> =>
    exec('ctr', ['--address', socket, '-n', 'k8s.io', ...args], timeoutMs);
  const inNetns = (cmd: string, args: string[], timeoutMs = 30_000): Promise<CtrResult> =>
    exec('nsenter', [`--net=/var/run/netns/${netns}`, cmd, ...args], timeoutMs);

  const stop = async (): Promise<void> => {
    if (proc && !proc.exited()) {
      const tasks = await ctr(['tasks', 'ls', '-q'], 20_000);
      for (const id of tasks.stdout.split('\n').map((s) => s.trim()).filter(Boolean)) {
        await ctr(['tasks', 'kill', '-a', '-s', 'SIGKILL', id], 20_000);
        await ctr(['tasks', 'delete', '-f', id], 20_000);
      }
      const containers = await ctr(['containers', 'ls', '-q'], 20_000);
      for (const id of containers.stdout.split('\n').map((s) => s.trim()).filter(Boolean)) {
        await ctr(['containers', 'rm', id], 20_000);
      }
    }
    await proc?.stop(5000);
    // If containerd died first, its containers live on: runc (containerd's default root for k8s.io) ends
    // the ones named with our prefix, then the shims (which name our socket) go.
    const left = await exec('runc', ['--root', RUNC_ROOT, 'list', '-q']);
    for (const id of left.stdout.split('\n').map((s) => s.trim()).filter((s) => s.startsWith(`${netns}-`))) {
      await exec('runc', ['--root', RUNC_ROOT, 'delete', '--force', id]);
    }
    for (const pid of await pidsMentioning(`-address ${socket}`)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const m of mountsUnder(dir)) await exec('umount', ['-l', m]);
    rmSync(dir, { recursive: true, force: true });
    await exec('ip', ['netns', 'del', netns]);
  };

  try {
    proc = startProcess('containerd', 'nsenter', [`--net=/var/run/netns/${netns}`, 'containerd', '--config', join(dir, 'config.toml')], join(dir, 'containerd.log'));
    const deadline = Date.now() + readyTimeoutMs;
    for (let i = 0; ; i++) {
      if (existsSync(socket) && (await ctr(['version'], 5000)).code === 0) break;
      if (proc.exited() || Date.now() > deadline || i > 300) {
        throw new Error(`containerd did not start:\n${proc.logTail()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { dir, netns, ctr, inNetns, stop };
}
