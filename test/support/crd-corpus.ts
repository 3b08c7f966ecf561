// The CRD corpus (test/fixtures/crd-corpus): its files and `metallbts validate`'s verdict on one, shared by the unit and apiserver tests.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runValidate } from '../../src/cli/commands/validate';

const ROOT = join(__dirname, '..', '..');
export const CORPUS = join(ROOT, 'test', 'fixtures', 'crd-corpus');

/** The fixture names of `kind` (`invalid` or `valid`), sorted. */
export const corpusFiles = (kind: 'invalid' | 'valid'): string[] => readdirSync(join(CORPUS, kind)).filter((f) => f.endsWith('.yaml')).sort();

/** A fixture's `# plugin: PATH` header lines (from the repository root), passed as `--plugin`. */
function pluginsOf(file: string): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^# plugin: (\S+)$/gm)].map((m) => join(ROOT, m[1]!));
}

/** `metallbts validate FILE` with the fixture's plugins: exit code and printed lines. */
export function validateFixture(file: string): { code: number; lines: string[] } {
  const lines: string[] = [];
  const code = runValidate([file], { stdout: (l) => lines.push(l), stderr: () => undefined }, { plugins: pluginsOf(file) });
  return { code, lines };
}
