// Compares two API Extractor reports: which declarations were removed or changed (breaking) and which only added.

/** One top-level declaration of a report: `interface Announcer`, `function parseIp` (overloads joined), ... */
export interface Declaration {
  /** `kind name`, e.g. `interface Announcer`. */
  key: string;
  kind: string;
  /** The declaration's lines, comments dropped, as the report prints them. */
  lines: string[];
}

/** What changed between an old and a new report. */
export interface SurfaceDiff {
  /** Removed declarations, removed or changed members, added required interface members, changed signatures. */
  breaking: string[];
  /** New declarations and new optional members (or new class/enum members, new overloads). */
  additive: string[];
}

const DECLARATION = /^(?:export\s+)?(?:declare\s+)?(?:default\s+)?(?:abstract\s+)?(interface|class|function|const|let|var|type|enum|namespace)\s+([A-Za-z_$][\w$]*)/;
const BODY_KINDS = new Set(['interface', 'class', 'enum', 'namespace']);
/** A member that consumers need not provide: `name?: T`, `name?(...)`, `readonly name?: T`. */
const OPTIONAL_MEMBER = /^(?:readonly\s+)?[\w$'"[\]]+\?\s*[:(<]/;

/** The TypeScript block of an API Extractor report, without comments and imports. */
function codeLines(report: string): string[] {
  const start = report.indexOf('```ts');
  const end = report.lastIndexOf('```');
  if (start < 0 || end <= start) throw new Error('not an API Extractor report (no ```ts block)');
  return report
    .slice(start + 5, end)
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => !/^\s*\/\//.test(l) && !/^import\s/.test(l) && l.trim() !== '');
}

function braceDelta(line: string): number {
  const stripped = line.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, '');
  return (stripped.match(/[{(<[]/g)?.length ?? 0) - (stripped.match(/[})>\]]/g)?.length ?? 0) + (stripped.match(/=>/g)?.length ?? 0);
}

/** The report's top-level declarations by key (function overloads are one entry). */
export function parseDeclarations(report: string): Map<string, Declaration> {
  const out = new Map<string, Declaration>();
  let current: string[] = [];
  let depth = 0;
  const flush = (): void => {
    if (current.length === 0) return;
    const m = DECLARATION.exec(current[0]!);
    const kind = m?.[1] ?? 'statement';
    const key = m ? `${kind} ${m[2]}` : `statement ${current[0]}`;
    const prev = out.get(key);
    if (prev) prev.lines.push(...current);
    else out.set(key, { key, kind, lines: current });
    current = [];
  };
  for (const line of codeLines(report)) {
    current.push(line);
    depth += braceDelta(line);
    if (depth <= 0 && /[;}]\s*$/.test(line)) {
      depth = 0;
      flush();
    }
  }
  flush();
  return out;
}

/** The `PLUGIN_API_VERSION` a plugin-api report was made for (undefined when the report has none). */
export function reportedApiVersion(report: string): number | undefined {
  const m = /export const PLUGIN_API_VERSION: (\d+);/.exec(report);
  return m ? Number(m[1]) : undefined;
}

/** Breaking and additive differences from `before` to `after` (both API Extractor reports). */
export function diffSurface(before: string, after: string): SurfaceDiff {
  const old = parseDeclarations(before);
  const now = parseDeclarations(after);
  const breaking: string[] = [];
  const additive: string[] = [];
  for (const [key, decl] of old) {
    const next = now.get(key);
    if (!next) {
      breaking.push(`${key} was removed`);
      continue;
    }
    if (decl.lines.join('\n') === next.lines.join('\n')) continue;
    if (key === 'const PLUGIN_API_VERSION') continue; // the version itself: the bump, not a change to judge
    if (BODY_KINDS.has(decl.kind)) compareBodies(decl, next, breaking, additive);
    else if (decl.kind === 'function' && decl.lines.every((l) => next.lines.includes(l))) {
      additive.push(`${key}: overload added: ${next.lines.filter((l) => !decl.lines.includes(l)).join(' ')}`);
    } else if (decl.kind === 'function' && decl.lines.length === 1 && next.lines.length === 1 && acceptsMore(decl.lines[0]!, next.lines[0]!)) {
      additive.push(`${key}: now accepts more: \`${next.lines[0]}\``);
    } else breaking.push(`${key} changed: \`${oneLine(decl.lines)}\` → \`${oneLine(next.lines)}\``);
  }
  for (const key of now.keys()) if (!old.has(key)) additive.push(`${key} was added`);
  return { breaking, additive };
}

function compareBodies(before: Declaration, after: Declaration, breaking: string[], additive: string[]): void {
  if (before.lines[0] !== after.lines[0]) breaking.push(`${before.key}: declaration changed: \`${before.lines[0]}\` → \`${after.lines[0]}\``);
  const members = (d: Declaration): string[] => joinMembers(d.lines.slice(1, -1));
  const was = members(before);
  const is = members(after);
  for (const m of was) if (!is.includes(m)) breaking.push(`${before.key}: member removed or changed: \`${m}\``);
  for (const m of is) {
    if (was.includes(m)) continue;
    if (before.kind === 'interface' && !OPTIONAL_MEMBER.test(m)) breaking.push(`${before.key}: required member added: \`${m}\` (implementers must now provide it; make it optional)`);
    else additive.push(`${before.key}: member added: \`${m}\``);
  }
}

/** Body lines as whole members: a member API Extractor wraps (`constructor(\n    a: T);`) or a nested object type is one string. */
function joinMembers(lines: string[]): string[] {
  const out: string[] = [];
  let current = '';
  let depth = 0;
  for (const line of lines) {
    const part = line.trim();
    current = current === '' ? part : /[({<[]$/.test(current) ? `${current}${part}` : `${current} ${part}`;
    depth += braceDelta(line);
    if (depth <= 0 && /[;}]$/.test(part)) {
      out.push(current);
      current = '';
      depth = 0;
    }
  }
  if (current !== '') out.push(current);
  return out;
}

/** Splits at `sep` where no bracket is open (`a: X<b, c>, d` → two parts). */
function splitTopLevel(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if ('<({['.includes(c)) depth++;
    else if ('>)}]'.includes(c) && text[i - 1] !== '=') depth--;
    else if (c === sep && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts.filter((p) => p !== '');
}

/**
 * Whether a one-line function signature only widened for its callers: same name and return type, each old
 * parameter kept with a superset of its union members, new parameters optional (`f(a: T)` → `f(a: T | string, b?: U)`).
 */
export function acceptsMore(before: string, after: string): boolean {
  const shape = (line: string): { head: string; params: string[]; ret: string } | undefined => {
    const open = line.indexOf('(');
    const close = line.lastIndexOf('): ');
    if (open < 0 || close < open) return undefined;
    return { head: line.slice(0, open), params: splitTopLevel(line.slice(open + 1, close), ','), ret: line.slice(close) };
  };
  const a = shape(before);
  const b = shape(after);
  if (!a || !b || a.head !== b.head || a.ret !== b.ret || b.params.length < a.params.length) return false;
  const param = (p: string): { name: string; types: string[] } => {
    const colon = p.indexOf(':');
    return { name: p.slice(0, colon).trim(), types: splitTopLevel(p.slice(colon + 1), '|') };
  };
  const keeps = a.params.every((p, i) => {
    const was = param(p);
    const is = param(b.params[i]!);
    return was.name === is.name && was.types.every((t) => is.types.includes(t));
  });
  return keeps && b.params.slice(a.params.length).every((p) => /^[\w$]+\?:/.test(p));
}

function oneLine(lines: string[]): string {
  return lines.map((l) => l.trim()).join(' ');
}

/** The verdict on one entry's surface against its checked-in report. */
export interface SurfaceVerdict {
  ok: boolean;
  /** Why not, and what to do. */
  message?: string;
  diff?: SurfaceDiff;
}

/**
 * Judges a freshly extracted report against the checked-in one. For the versioned entry (plugin-api), a breaking
 * difference while the report's `PLUGIN_API_VERSION` is unchanged is refused outright; any other difference
 * asks for the report to be regenerated (`npm run api:report`) and committed.
 */
export function judgeSurface(entry: string, checkedIn: string | undefined, current: string, versioned: boolean): SurfaceVerdict {
  if (checkedIn === undefined) return { ok: false, message: `api/${entry}.api.md is missing: run \`npm run api:report\` and commit it` };
  const normalize = (s: string): string => s.replace(/\r\n/g, '\n').trimEnd();
  if (normalize(checkedIn) === normalize(current)) return { ok: true };
  const diff = diffSurface(checkedIn, current);
  const list = (xs: string[]): string => xs.map((x) => `\n  - ${x}`).join('');
  if (versioned && diff.breaking.length > 0) {
    const was = reportedApiVersion(checkedIn);
    const now = reportedApiVersion(current);
    if (was === now) {
      return {
        ok: false,
        diff,
        message:
          `breaking change to metallbts/${entry} without a PLUGIN_API_VERSION bump (still ${String(now)}):${list(diff.breaking)}\n` +
          'Make the change additive (new optional members, new exports), or bump PLUGIN_API_VERSION in src/core/plugin-api.ts ' +
          '(docs/plugins.md, "Versioning"), then run `npm run api:report`.',
      };
    }
  }
  return {
    ok: false,
    diff,
    message:
      `the public surface of metallbts/${entry} differs from api/${entry}.api.md: run \`npm run api:report\` and commit the report.` +
      (diff.breaking.length ? `\nbreaking:${list(diff.breaking)}` : '') +
      (diff.additive.length ? `\nadded:${list(diff.additive)}` : '') +
      (diff.breaking.length + diff.additive.length === 0 ? '\n(only comments or ordering differ)' : ''),
  };
}
