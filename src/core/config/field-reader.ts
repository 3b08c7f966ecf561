// Reads one YAML mapping field by field with type checks, and warns about the fields nobody read (typos).
import { describeType, IssueSink, joinPath, quote } from './issues';

export type Mapping = Record<string, unknown>;

export function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Wraps a mapping at `path`. Every accessor marks its key as known; `finish()` warns about the others.
 * A value of the wrong type is reported once and read as absent, so callers only see well-typed data.
 */
export class FieldReader {
  private readonly known = new Set<string>();
  readonly value: Mapping;

  constructor(
    value: unknown,
    readonly path: string,
    readonly sink: IssueSink,
  ) {
    this.value = isMapping(value) ? value : {};
  }

  /** A reader over `value`, or undefined after reporting when it is not a mapping. */
  static of(value: unknown, path: string, sink: IssueSink, what = 'a mapping'): FieldReader | undefined {
    if (!isMapping(value)) {
      sink.error(path, `expected ${what}, got ${describeType(value)}`);
      return undefined;
    }
    return new FieldReader(value, path, sink);
  }

  pathOf(key: string): string {
    return joinPath(this.path, key);
  }

  has(key: string): boolean {
    this.known.add(key);
    return this.value[key] !== undefined && this.value[key] !== null;
  }

  /** Marks keys as known without reading them (accepted but ignored). */
  accept(...keys: string[]): void {
    for (const k of keys) this.known.add(k);
  }

  raw(key: string): unknown {
    this.known.add(key);
    const v = this.value[key];
    return v === null ? undefined : v;
  }

  string(key: string, opts: { required?: boolean } = {}): string | undefined {
    const v = this.raw(key);
    if (v === undefined) return this.missing(key, opts.required);
    if (typeof v !== 'string') return this.wrongType(key, 'a string', v);
    return v;
  }

  boolean(key: string): boolean | undefined {
    const v = this.raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') return this.wrongType(key, 'true or false', v);
    return v;
  }

  /** An integer within [min, max]; out-of-range and fractional values are reported. */
  integer(key: string, min: number, max: number, opts: { required?: boolean; what?: string } = {}): number | undefined {
    const v = this.raw(key);
    if (v === undefined) return this.missing(key, opts.required);
    if (typeof v !== 'number' || !Number.isFinite(v)) return this.wrongType(key, 'a number', v);
    if (!Number.isInteger(v) || v < min || v > max) {
      this.sink.error(this.pathOf(key), `${opts.what ?? key} ${quote(v)} must be an integer from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  /** A list; each element is handed back with its path. */
  list(key: string, opts: { required?: boolean } = {}): Array<{ value: unknown; path: string }> | undefined {
    const v = this.raw(key);
    if (v === undefined) return this.missing(key, opts.required);
    if (!Array.isArray(v)) return this.wrongType(key, 'a list', v);
    const base = this.pathOf(key);
    return v.map((value, i) => ({ value, path: `${base}[${i}]` }));
  }

  /** A list of strings; non-string elements are reported and dropped. */
  stringList(key: string, opts: { required?: boolean } = {}): Array<{ value: string; path: string }> | undefined {
    const items = this.list(key, opts);
    if (!items) return undefined;
    const out: Array<{ value: string; path: string }> = [];
    for (const item of items) {
      if (typeof item.value === 'string') out.push({ value: item.value, path: item.path });
      else this.sink.error(item.path, `expected a string, got ${describeType(item.value)}`);
    }
    return out;
  }

  /** A nested mapping reader. */
  object(key: string, opts: { required?: boolean } = {}): FieldReader | undefined {
    const v = this.raw(key);
    if (v === undefined) return this.missing(key, opts.required);
    if (!isMapping(v)) return this.wrongType(key, 'a mapping', v);
    return new FieldReader(v, this.pathOf(key), this.sink);
  }

  /** A mapping of string → string (labels, community aliases). */
  stringMap(key: string): Record<string, string> | undefined {
    const r = this.object(key);
    if (!r) return undefined;
    const out: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(r.value)) {
      if (typeof v === 'string') out.push([k, v]);
      else if (typeof v === 'number' || typeof v === 'boolean') out.push([k, String(v)]);
      else this.sink.error(r.pathOf(k), `expected a string, got ${describeType(v)}`);
    }
    // fromEntries defines own properties, so a `__proto__` key stays a plain key.
    return Object.fromEntries(out);
  }

  /** Reports every key not read or accepted (at the sink's `unknownFields` severity), suggesting the closest known one. */
  finish(): void {
    for (const key of Object.keys(this.value)) {
      if (this.known.has(key)) continue;
      const hint = closest(key, [...this.known]);
      const text = `unknown field ${quote(key)}${hint ? ` (did you mean ${quote(hint)}?)` : ''}`;
      if (this.sink.unknownFields === 'error') this.sink.error(this.pathOf(key), text);
      else this.sink.warning(this.pathOf(key), `${text}; ignored`);
    }
  }

  private missing(key: string, required: boolean | undefined): undefined {
    if (required) this.sink.error(this.pathOf(key), `${key} is required`);
    return undefined;
  }

  private wrongType(key: string, expected: string, v: unknown): undefined {
    this.sink.error(this.pathOf(key), `expected ${expected}, got ${describeType(v)} ${quote(v)}`);
    return undefined;
  }
}

/** The known key within edit distance 2 of `key`, if any. */
function closest(key: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const c of candidates) {
    const d = editDistance(key.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min((prev[j] ?? 0) + 1, (cur[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length] ?? 0;
}
