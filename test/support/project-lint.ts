// Lints code as if it were a file of this repository, with the project's own ESLint config (what `npm run lint` runs).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..', '..');

/**
 * The messages of rule `ruleId` for `code` linted as the file at `path` (relative to the repo). `typeAware: false`
 * leaves out the type-aware rules: import rules need no type information, and without it a file lints in milliseconds.
 */
export async function ruleMessages(ruleId: string, path: string, code: string, opts: { typeAware?: boolean } = {}): Promise<string[]> {
  // The project's own config object (not a file lookup): jest cannot run ESLint's dynamic import of the config file.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(join(ROOT, 'eslint.config.js')) as object[];
  const untyped = { languageOptions: { parserOptions: { projectService: false } }, rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' } };
  const overrideConfig = (opts.typeAware === false ? [...config, untyped] : config) as ESLint.Options['overrideConfig'];
  const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return result!.messages.filter((m) => m.ruleId === ruleId).map((m) => m.message);
}

/** Every `.ts` file below these folders (relative to the repo), as paths relative to the repo. */
export function tsFilesUnder(...dirs: string[]): string[] {
  return dirs.flatMap((dir) =>
    readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join(dir, f)),
  );
}

/** What `lint` says of each of `files` as checked in, one `file: message` line per message. */
export async function checkedInMessages(files: string[], lint: (path: string, code: string) => Promise<string[]>): Promise<string[]> {
  const found: string[] = [];
  for (const file of files) {
    for (const message of await lint(file, readFileSync(join(ROOT, file), 'utf8'))) found.push(`${file}: ${message}`);
  }
  return found;
}
