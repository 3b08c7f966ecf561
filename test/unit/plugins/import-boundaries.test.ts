// The layering rules in eslint.config.js fire: built-in plugins reach src/ only through the plugin API, memberlist never imports core.
import { join } from 'node:path';
import { checkedInMessages, ruleMessages, tsFilesUnder } from '../../support/project-lint';

/** The messages ESLint's import restrictions report for `code` as if it were the file at `path` (relative to the repo). */
const restricted = (path: string, code: string): Promise<string[]> => ruleMessages('no-restricted-imports', path, code, { typeAware: false });

describe('built-in plugins import only the public plugin API', () => {
  test.each([
    ['plugins/layer2/announcer.ts', "import { canonicalIp } from '../../src/core/net/ip';\nexport const f = canonicalIp;\n"],
    ['plugins/layer2/codec/ndp.ts', "import type { Logger } from '../../../src/core/log';\nexport type L = Logger;\n"],
    ['plugins/bgp/session.ts', "import { silentLogger } from '../../src/core/log';\nexport const l = silentLogger;\n"],
    ['plugins/bgp/announcer.ts', "export { serviceKeyString } from '../../src/core/service';\n"],
    ['plugins/bgp/bfd/session.ts', "import { Memberlist } from '../../../src/memberlist';\nexport const m = Memberlist;\n"],
    ['plugins/layer2/membership.ts', "import { Keyring } from '../../src/memberlist/crypto';\nexport const k = Keyring;\n"],
    ['plugins/static-route/index.ts', "import { PluginRegistry } from '../../src/core/plugins/registry';\nexport const r = PluginRegistry;\n"],
  ])('%s: a reach into src/ outside the API is an error', async (path, code) => {
    const messages = await restricted(path, code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/a plugin imports only the public plugin API \(src\/core\/plugin-api\)/);
  });

  test.each([
    ['plugins/layer2/announcer.ts', "import { canonicalIp, type Logger } from '../../src/core/plugin-api';\nexport const f = canonicalIp;\nexport type L = Logger;\n"],
    ['plugins/layer2/membership.ts', "import { Memberlist } from '../../src/memberlist';\nexport const m = Memberlist;\n"],
    ['plugins/bgp/bfd/session.ts', "import type { Logger } from '../../../src/core/plugin-api';\nimport { Counter } from 'prom-client';\nimport { Peer } from '../peer';\nexport type L = Logger;\nexport const c = [Counter, Peer];\n"],
    ['plugins/bgp/index.ts', "import { PLUGIN_API_VERSION } from '../../src';\nexport const v = PLUGIN_API_VERSION;\n"],
  ])('%s: the plugin API, the package entry, layer2 → memberlist and own files are allowed', async (path, code) => {
    expect(await restricted(path, code)).toEqual([]);
  });
});

describe('the memberlist library stands alone', () => {
  test.each([
    ['core/log', "import { silentLogger } from '../core/log';\nexport const l = silentLogger;\n"],
    ['core/plugin-api', "import type { AnnouncerPlugin } from '../core/plugin-api';\nexport type P = AnnouncerPlugin;\n"],
    ['plugins/layer2', "import { layer2Plugin } from '../../plugins/layer2';\nexport const p = layer2Plugin;\n"],
  ])('src/memberlist importing %s is an error', async (_what, code) => {
    const messages = await restricted('src/memberlist/memberlist.ts', code);
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/the memberlist library stands alone: it never imports src\/core or plugins\//);
  });

  test('its own modules and npm packages are allowed', async () => {
    expect(await restricted('src/memberlist/memberlist.ts', "import { Keyring } from './crypto';\nimport * as ipaddr from 'ipaddr.js';\nexport const k = [Keyring, ipaddr];\n")).toEqual([]);
  });
});

test('the tree as checked in obeys the rules (npm run lint would fail otherwise)', async () => {
  // Files listed here rather than by ESLint's glob search, which jest cannot run (dynamic import).
  const files = tsFilesUnder('plugins', join('src', 'memberlist'));
  expect(files.length).toBeGreaterThan(30);
  const found = await checkedInMessages(files, restricted);
  expect(found).toEqual([]);
});
