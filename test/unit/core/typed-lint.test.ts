// Type-aware lint rules in eslint.config.js fire: a floating promise and an async callback where void is expected are errors.
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..', '..', '..');

async function ruleIds(path: string, code: string): Promise<string[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(join(ROOT, 'eslint.config.js')) as ESLint.Options['overrideConfig'];
  const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: config });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

test('a floating promise and a misused async callback are lint errors', async () => {
  const code = [
    'async function work(): Promise<void> {}',
    'export function start(): void {',
    '  work();',
    '  setTimeout(async () => work(), 1);',
    '}',
    '',
  ].join('\n');
  expect(await ruleIds('src/core/serial-queue.ts', code)).toEqual(['@typescript-eslint/no-floating-promises', '@typescript-eslint/no-misused-promises']);
}, 60_000);

test('void, await and .catch are accepted', async () => {
  const code = [
    'async function work(): Promise<void> {}',
    'export async function start(): Promise<void> {',
    '  void work();',
    '  await work();',
    '  work().catch(() => undefined);',
    '  setTimeout(() => void work(), 1);',
    '}',
    '',
  ].join('\n');
  expect(await ruleIds('src/core/serial-queue.ts', code)).toEqual([]);
}, 60_000);
