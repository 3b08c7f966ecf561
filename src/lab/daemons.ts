// Starts the lab's long-lived processes detached inside a namespace, logging to files, and checks/kills them by pid.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { labPaths, recordProcess, type LabProcessRecord } from './state';

export interface DaemonOptions {
  /**
   * Enter only the network namespace (`nsenter --net`). `ip netns exec` also remounts /sys for the namespace, which
   * hides the cgroup mounts: runc (under containerd) and the kubelet need them.
   */
  netOnly?: boolean;
}

/**
 * `ip netns exec NS cmd args` (or `nsenter --net=...`) detached (own process group, outlives the CLI). Both exec the
 * command after entering the namespace, so the recorded pid is the daemon itself.
 */
export function startDaemon(name: string, ns: string, cmd: string, args: string[], env: NodeJS.ProcessEnv = {},
  opts: DaemonOptions = {}): LabProcessRecord {
  const log = labPaths.log(name);
  const fd = openSync(log, 'a');
  let pid: number | undefined;
  try {
    const enter = opts.netOnly ? ['nsenter', `--net=/run/netns/${ns}`, '--'] : ['ip', 'netns', 'exec', ns];
    const child = spawn(enter[0] as string, [...enter.slice(1), cmd, ...args], {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, ...env },
    });
    child.on('error', () => undefined);
    child.unref();
    pid = child.pid;
  } finally {
    closeSync(fd);
  }
  if (pid === undefined) throw new Error(`could not start ${name} (${cmd})`);
  const rec: LabProcessRecord = {
    name, ns, pid, log, startedAt: new Date().toISOString(), nsInode: namespaceInode(ns), cmd, args,
  };
  recordProcess(rec);
  return rec;
}

/** Network namespace inode of the named namespace (`/run/netns/NS`), if it exists. */
export function namespaceInode(ns: string): number | undefined {
  try {
    return statSync(`/run/netns/${ns}`).ino;
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and lives in namespace `ns` (so a recycled pid is never mistaken for ours). */
export function isAliveIn(pid: number, ns: string): boolean {
  const ino = namespaceInode(ns);
  return ino !== undefined && isAliveInInode(pid, ino);
}

/** True when `pid` is alive (not a zombie) and its network namespace has inode `ino`. */
export function isAliveInInode(pid: number, ino: number): boolean {
  try {
    const link = readlinkSync(`/proc/${pid}/ns/net`); // "net:[4026532xxx]"
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return link === `net:[${ino}]` && state !== 'Z';
  } catch {
    return false;
  }
}

/** True while `pid` exists and is not a zombie (in any namespace). */
export function isRunning(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
    return state !== undefined && state !== 'Z';
  } catch {
    return false;
  }
}

/** Last lines of a log file, for error messages. */
export function logTail(path: string, lines = 15): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}
