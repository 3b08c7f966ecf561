// Speaker processes' JSON log lines in lab clusters: collected (and teed to a file), and the memberlist view they show.
import { appendFileSync } from 'node:fs';
import type { ChildProcess } from 'node:child_process';

export type LogLine = Record<string, unknown>;

/** Appends `p`'s stdout/stderr to `file` and parses each line into `lines` (non-JSON as {text}); nothing once `stopped()`. */
export function collectLogLines(p: ChildProcess, file: string, lines: LogLine[], stopped: () => boolean): void {
  let rest = '';
  const take = (chunk: Buffer): void => {
    // Output still buffered when down() removed the directory is dropped.
    if (stopped()) return;
    appendFileSync(file, chunk);
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop() ?? '';
    for (const l of parts) {
      try {
        lines.push(JSON.parse(l) as LogLine);
      } catch {
        lines.push({ text: l });
      }
    }
  };
  p.stdout?.on('data', take);
  p.stderr?.on('data', take);
}

/** Members a speaker's memberlist reported joining and not leaving since its last {restartMarker} (MetalLB logs joins and leaves too). */
export function memberlistSeen(all: LogLine[]): Set<string> {
  const alive = new Set<string>();
  for (const l of all.slice(Math.max(0, all.map((x) => x.restartMarker === true).lastIndexOf(true)))) {
    // ours: {event: memberlistEvent, type, member}; MetalLB: {op: memberDiscovery, msg: "node event - forcing sync", "node addr", "node name", "node event"}
    if (l.event === 'memberlistEvent') {
      if (l.type === 'join' || l.type === 'alive') alive.add(String(l.member));
      if (l.type === 'dead' || l.type === 'left') alive.delete(String(l.member));
    } else if (typeof l['node name'] === 'string' && typeof l['node event'] === 'string') {
      const ev = String(l['node event']);
      if (/JOIN/i.test(ev)) alive.add(l['node name']);
      if (/LEAVE/i.test(ev)) alive.delete(l['node name']);
    }
  }
  return alive;
}
