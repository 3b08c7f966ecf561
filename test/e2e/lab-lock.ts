// One lab at a time: the lab's namespace names are fixed, so e2e files that run `lab up` take this lock first.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A directory (mkdir is atomic) holding the pid of the jest worker that owns the lab. */
export const LAB_LOCK_DIR = '/run/metallbts-lab-e2e.lock';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Waits (at most `timeoutMs`) until no other live process holds the lab, then holds it. */
export async function acquireLabLock(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 100_000; i++) {
    try {
      mkdirSync(LAB_LOCK_DIR);
      writeFileSync(join(LAB_LOCK_DIR, 'pid'), String(process.pid));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(LAB_LOCK_DIR, 'pid'), 'utf8'));
    } catch { /* being written or removed: look again */ }
    // A holder that died without releasing (killed jest worker) leaves a stale lock.
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) rmSync(LAB_LOCK_DIR, { recursive: true, force: true });
    if (Date.now() > deadline) throw new Error(`the lab is held by pid ${owner} (${LAB_LOCK_DIR}) for more than ${timeoutMs} ms`);
    await sleep(2000);
  }
}

/** Releases the lock if this process holds it. */
export function releaseLabLock(): void {
  try {
    if (Number(readFileSync(join(LAB_LOCK_DIR, 'pid'), 'utf8')) !== process.pid) return;
  } catch {
    return;
  }
  rmSync(LAB_LOCK_DIR, { recursive: true, force: true });
}
