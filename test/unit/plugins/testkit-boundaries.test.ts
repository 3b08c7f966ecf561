// The testkit imports only what a plugin may: the lint rule for src/plugin-testkit fires, and the tree obeys it.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ruleMessages } from '../../support/project-lint';

const ROOT = join(__dirname, '..', '..', '..');
const RULE = /the plugin testkit imports only the public plugin API \(src\/core\/plugin-api\)/;

const restricted = (path: string, code: string): Promise<string[]> => ruleMessages('no-restricted-imports', path, code);

test.each([
  ["import { silentLogger } from '../core/log';\nexport const l = silentLogger;\n"],
  ["import { emptyConfig } from '../core/config/model';\nexport const c = emptyConfig;\n"],
  ["import { Memberlist } from '../memberlist';\nexport const m = Memberlist;\n"],
])('src/plugin-testkit reaching past the plugin API is an error: %s', async (code) => {
  const messages = await restricted('src/plugin-testkit/builders.ts', code);
  expect(messages).toHaveLength(1);
  expect(messages[0]).toMatch(RULE);
});

test('the plugin API, its own modules and npm packages are allowed, and the checked-in testkit obeys the rule', async () => {
  expect(await restricted('src/plugin-testkit/x.ts', "import { makePool } from './builders';\nimport { parseIp } from '../core/plugin-api';\nimport { Registry } from 'prom-client';\nexport const x = [makePool, parseIp, Registry];\n")).toEqual([]);
  const dir = join('src', 'plugin-testkit');
  const files = readdirSync(join(ROOT, dir)).filter((f) => f.endsWith('.ts'));
  expect(files).toContain('index.ts');
  const found: string[] = [];
  for (const f of files) for (const m of await restricted(join(dir, f), readFileSync(join(ROOT, dir, f), 'utf8'))) found.push(`${f}: ${m}`);
  expect(found).toEqual([]);
});
