// The floors rule in eslint.config.js fires: inside src/core no import reaches a higher floor or leaves the core upward.
import { checkedInMessages, ruleMessages, tsFilesUnder } from '../../support/project-lint';

/** Messages of the floors rule for `code` as if it were the file at `path` (relative to the repo). */
const floorMessages = (path: string, code: string): Promise<string[]> => ruleMessages('metallbts/core-floors', path, code, { typeAware: false });

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
    const files = tsFilesUnder('src/core');
    expect(files.length).toBeGreaterThan(50);
    const found = await checkedInMessages(files, floorMessages);
    expect(found).toEqual([]);
  });
});
