// Runs a long-lived child (etcd, kube-apiserver) with logs to a file and a stop that always reaps it.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';

// setpriv (util-linux) makes the kernel SIGKILL the child when the test process dies, even by SIGKILL.
const SETPRIV = '/usr/bin/setpriv';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** Set once the process has exited (code or signal). */
  exited(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
  /** Last `lines` lines of the log, for error messages. */
  logTail(lines?: number): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

// Children still alive when the test process exits get SIGKILL, so a crashed jest leaves nothing behind.
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

export function startProcess(name: string, bin: string, args: string[], logPath: string): ManagedProcess {
  installExitHook();
  const fd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = existsSync(SETPRIV)
      ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', bin, ...args], { stdio: ['ignore', fd, fd] })
      : spawn(bin, args, { stdio: ['ignore', fd, fd] });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`${name}: failed to spawn ${bin}`);
  live.add(child);
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      live.delete(child);
      resolve();
    });
    child.once('error', () => {
      exitInfo ??= { code: -1, signal: null };
      live.delete(child);
      resolve();
    });
  });

  const logTail = (lines = 30): string => {
    try {
      return readFileSync(logPath, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };

  const stop = async (graceMs = 5000): Promise<void> => {
    if (exitInfo) return;
    child.kill('SIGTERM');
    const killTimer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    try {
      await exitedPromise;
    } finally {
      clearTimeout(killTimer);
    }
  };

  return { name, pid: child.pid, logPath, exited: () => exitInfo, logTail, stop };
}
