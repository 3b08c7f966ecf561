// Explains a failed announcement from the speakers' own logs, so the lab says which part of the product is missing.
import { readFileSync } from 'node:fs';
import { speakerProcessName } from './components';
import { labPaths } from './state';
import { NODES } from './topology';

const LEVELS: Record<string, number> = { warn: 40, error: 50, fatal: 60 };

/** Speaker log lines that mention `protocol` together with a failure (deduplicated, at most `max`). */
export function speakerFailures(protocol: string, max = 6): string[] {
  const seen = new Set<string>();
  for (const n of NODES) {
    let text = '';
    try {
      text = readFileSync(labPaths.log(speakerProcessName(n)), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (!line.includes(protocol) && !line.includes('slowEvent')) continue;
      let msg = line;
      let level = 0;
      try {
        const j = JSON.parse(line) as { level?: number | string; msg?: string; err?: { message?: string }; error?: string; reason?: string };
        // Our logs carry pino's level as a label ("warn"); numbers are accepted too.
        level = typeof j.level === 'number' ? j.level : (LEVELS[j.level ?? ''] ?? 0);
        msg = [j.msg, j.err?.message ?? j.error ?? j.reason].filter(Boolean).join(': ');
      } catch {
        level = /error|fail|not built/i.test(line) ? 50 : 0;
      }
      if (level >= 40 || /fail|not built|not implemented/i.test(msg)) seen.add(`${n.name}: ${msg}`);
      if (seen.size >= max) return [...seen];
    }
  }
  return [...seen];
}
