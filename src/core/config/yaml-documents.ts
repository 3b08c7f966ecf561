// Splits YAML text into documents, turning syntax errors into located issues instead of exceptions.
import * as yaml from 'js-yaml';
import { IssueSink } from './issues';

export interface YamlDocument {
  value: unknown;
  /** `document[i]` when the text has several documents, '' otherwise. */
  path: string;
}

interface YamlErrorLike {
  reason?: string;
  message: string;
  mark?: { line: number; column: number };
}

/**
 * Parses every document of `text`. On a syntax error nothing is returned and one issue is reported,
 * at `LINE:COLUMN` (1-based, shifted by `lineOffset`), or at `fallbackPath` when the position cannot be placed in the file.
 */
export function parseYamlDocuments(
  text: string,
  sink: IssueSink,
  opts: { lineOffset?: number; columnOffset?: number; fallbackPath?: string } = {},
): YamlDocument[] | undefined {
  let docs: unknown[];
  try {
    docs = yaml.loadAll(text, undefined, { schema: yaml.CORE_SCHEMA, json: false });
  } catch (err) {
    const e = err as YamlErrorLike;
    const reason = e.reason ?? e.message.split('\n')[0];
    if (!e.mark) {
      sink.error(opts.fallbackPath ?? '1:1', `YAML syntax error: ${reason}`);
    } else if (opts.lineOffset === undefined && opts.fallbackPath !== undefined) {
      sink.error(opts.fallbackPath, `YAML syntax error at line ${e.mark.line + 1}, column ${e.mark.column + 1}: ${reason}`);
    } else {
      const column = e.mark.column + 1 + (opts.columnOffset ?? 0);
      sink.error(`${e.mark.line + 1 + (opts.lineOffset ?? 0)}:${column}`, `YAML syntax error: ${reason}`);
    }
    return undefined;
  }
  const many = docs.length > 1;
  return docs.map((value, i) => ({ value, path: many ? `document[${i}]` : '' }));
}

/**
 * The line/column offset of a ConfigMap's `config: |` block body within the file, when exactly one such
 * block exists (so errors inside the embedded config point at file lines); undefined otherwise.
 */
export function embeddedConfigOffset(fileText: string): { lineOffset: number; columnOffset: number } | undefined {
  const lines = fileText.split(/\r?\n/);
  const starts = lines.flatMap((line, i) => (/^\s*config:\s*[|>][-+0-9]*\s*(#.*)?$/.test(line) ? [i] : []));
  const [start] = starts;
  if (starts.length !== 1 || start === undefined) return undefined;
  const firstBody = lines.slice(start + 1).find((l) => l.trim() !== '') ?? '';
  return { lineOffset: start + 1, columnOffset: firstBody.length - firstBody.trimStart().length };
}
