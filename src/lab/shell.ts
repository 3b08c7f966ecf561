// Runs external commands (ip, kubectl, curl, vtysh...) with a hard timeout and captured output.
import { spawn } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string;
}

/** Resolves with exit code and output; never rejects for a non-zero exit (timeouts give code 124). */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, opts.timeoutMs ?? 15_000);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + err.message });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (timedOut) resolve({ code: 124, stdout, stderr: `${stderr}(timed out after ${opts.timeoutMs ?? 15_000} ms)` });
      else resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Runs and returns stdout; throws with the command and stderr on failure. */
export async function must(cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  return r.stdout;
}

/** Runs a command inside a network namespace. */
export function runIn(ns: string, cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return run('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

export function mustIn(ns: string, cmd: string, args: string[], opts: RunOptions = {}): Promise<string> {
  return must('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/** Aborted when the user interrupts `lab up`: polls and steps stop at their next turn so cleanup can run. */
export const labAbort = new AbortController();

export function throwIfAborted(): void {
  if (labAbort.signal.aborted) throw Object.assign(new Error('interrupted'), { fatal: true });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value, at most `timeoutMs` and `maxTries` attempts; an error with `fatal: true` stops at once. */
export async function pollUntil<T>(what: string, probe: () => Promise<T | undefined>,
  opts: { timeoutMs: number; everyMs: number; maxTries?: number }): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const maxTries = opts.maxTries ?? Math.ceil(opts.timeoutMs / Math.max(1, opts.everyMs)) + 10;
  let last = '';
  for (let i = 0; i < maxTries; i++) {
    throwIfAborted();
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (err) {
      if ((err as { fatal?: boolean }).fatal) throw err;
      last = (err as Error).message;
    }
    if (Date.now() >= deadline) break;
    await sleep(opts.everyMs);
  }
  throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ''}`);
}
