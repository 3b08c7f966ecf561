// Reads a child's output stream line by line and hands each JSON line, parsed, to a callback; other lines are skipped.
import type { Readable } from 'node:stream';

/** Calls `onLine(parsed, at)` per complete JSON line of `stream` (`at`: when its chunk arrived, ms since the epoch). */
export function onJsonLines(stream: Readable, onLine: (parsed: unknown, at: number) => void): void {
  let buf = '';
  stream.on('data', (d: Buffer) => {
    const at = Date.now();
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let parsed: unknown;
      try {
        parsed = JSON.parse(l);
      } catch {
        continue; // not JSON
      }
      onLine(parsed, at);
    }
  });
}
