// The floors rule in eslint.config.js fires: inside src/core no import reaches a higher floor or leaves the core upward.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';

const ROOT = join(__dirname, '..', '..', '..');

/** Messages of the floors rule for `code` as if it were the file at `path` (relative to the repo). */
async function floorMessages(path: string, code: string): Promise<string[]> {
  // The project's own config object: jest cannot run ESLint's dynamic import of the config file.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = require(join(ROOT, 'eslint.config.js')) as ESLint.Options['overrideConfig'];
  // Import rules need no type information: without it each file lints in milliseconds (the typed rules have their own test).
  const untyped = { languageOptions: { parserOptions: { projectService: false } }, rules: { '@typescript-eslint/no-floating-promises': 'off', '@typescript-eslint/no-misused-promises': 'off' } };
  const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: true, overrideConfig: [...(config as object[]), untyped] as ESLint.Options['overrideConfig'] });
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
  return result!.messages.filter((m) => m.ruleId === 'metallbts/core-floors').map((m) => m.message);
}

describe('src/core floors', () => {
  test.each([
    ['src/core/config/load.ts', "import type { AnnouncerPlugin } from '../plugin-api';\nexport type P = AnnouncerPlugin;\n", /config \(floor 1\) imports src\/core\/plugin-api \(floor 2\)/],
    ['src/core/k8s/pool-status.ts', "import type { Controller } from '../controller/controller';\nexport type C = Controller;\n", /k8s \(floor 3\) imports src\/core\/controller \(floor 5\)/],
    ['src/core/ipam/allocator.ts', "export { toServiceView } from '../k8s/service-view';\n", /ipam \(floor 2\) imports src\/core\/k8s \(floor 3\)/],
    ['src/core/log.ts', "import { Speaker } from './speaker/speaker';\nexport const s = Speaker;\n", /log \(floor 0\) imports src\/core\/speaker/],
    ['src/core/speaker/speaker.ts', "import { runLab } from '../../lab/lab';\nexport const r = runLab;\n", /never imports 'src\/lab\/lab': it is above the core/],
    ['src/core/newthing/x.ts', "import { Allocator } from '../ipam';\nexport const a = Allocator;\n", /src\/core\/newthing has no floor/],
  ])('%s: reaching up is an error', async (path, code, message) => {
    const messages = await floorMessages(path, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(message);
  });

  test.each([
    ['src/core/speaker/speaker.ts', "import { Allocator } from '../ipam';\nimport { silentLogger } from '../log';\nimport { PluginRegistry } from '../plugins/registry';\nexport const a = [Allocator, silentLogger, PluginRegistry];\n"],
    ['src/core/k8s/pool-status.ts', "import type { PoolStatusSink } from '../ports';\nimport { parseIp } from '../net/ip';\nexport type S = PoolStatusSink;\nexport const p = parseIp;\n"],
    ['src/core/config/load.ts', "import { readCrd } from './crds';\nimport * as yaml from 'js-yaml';\nexport const r = [readCrd, yaml];\n"],
  ])('%s: same or lower floors and npm packages are allowed', async (path, code) => {
    expect(await floorMessages(path, code)).toEqual([]);
  });

  test('the tree as checked in obeys the floors', async () => {
    const files = readdirSync(join(ROOT, 'src', 'core'), { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .map((f) => join('src', 'core', f));
    expect(files.length).toBeGreaterThan(50);
    const found: string[] = [];
    for (const file of files) {
      for (const message of await floorMessages(file, readFileSync(join(ROOT, file), 'utf8'))) found.push(`${file}: ${message}`);
    }
    expect(found).toEqual([]);
  });
});
