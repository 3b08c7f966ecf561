// Waits for a helper process started in a namespace to print "ready" on stdout (bounded), or fails with what it was.
import type { ChildProcess } from 'node:child_process';

/** Resolves when `child` prints `ready`; rejects when it exits first or after `timeoutMs`, naming `what`. */
export function childReady(child: ChildProcess, what: string, timeoutMs = 10_000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start within ${timeoutMs / 1000} s`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}`));
    });
  });
}
