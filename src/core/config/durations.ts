// Go `time.ParseDuration` text (`90s`, `1m30s`, `500ms`) to seconds, as MetalLB reads hold and keepalive times.

const UNIT_SECONDS: Record<string, number> = { ns: 1e-9, us: 1e-6, 'µs': 1e-6, 'μs': 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

// Go durations are int64 nanoseconds: (2^63 - 1) ns.
const MAX_GO_DURATION_SECONDS = 9223372036.854776;

/** Seconds for a Go duration string; undefined when it is not one (a bare number has no unit and is rejected, as in Go). */
export function parseGoDuration(text: string): number | undefined {
  // No trimming: Go's ParseDuration and the CRD's pattern take the text exactly as written.
  const t = text;
  if (t === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let pos = 0;
  let total = 0;
  if (t.length === 0) return undefined;
  while (pos < t.length) {
    re.lastIndex = pos;
    const m = re.exec(t);
    if (!m) return undefined;
    const unit = UNIT_SECONDS[m[2] ?? ''];
    if (unit === undefined) return undefined;
    total += Number(m[1]) * unit;
    pos = re.lastIndex;
  }
  // Go's Duration is int64 nanoseconds: longer texts fail to parse there (and in the CRD's duration() rules).
  return total > MAX_GO_DURATION_SECONDS ? undefined : total;
}
