// package.json `exports`: a project depending on metallbts resolves metallbts/plugin-api and metallbts/memberlist (code and types).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ts from 'typescript';

const ROOT = join(__dirname, '..', '..', '..');
const ENTRIES = ['src/index.ts', 'src/core/plugin-api.ts', 'src/plugin-testkit/index.ts', 'src/memberlist/index.ts'];

let stage: string;
let pkg: string;
let consumer: string;

/** The package as npm installs it: our package.json and dist/ as tsc emits it (only the public entries' graph, to stay quick). */
function stagePackage(): void {
  pkg = join(stage, 'metallbts');
  mkdirSync(pkg);
  copyFileSync(join(ROOT, 'package.json'), join(pkg, 'package.json'));
  // The package's own dependencies (pino, ipaddr.js, ...), as npm would install them next to it.
  symlinkSync(realpathSync(join(ROOT, 'node_modules')), join(pkg, 'node_modules'), 'dir');
  const tsconfig = ts.readConfigFile(join(ROOT, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(tsconfig.config, ts.sys, ROOT);
  const options: ts.CompilerOptions = { ...parsed.options, outDir: join(pkg, 'dist'), rootDir: ROOT, sourceMap: false, noEmit: false };
  const program = ts.createProgram(ENTRIES.map((e) => join(ROOT, e)), options);
  const emitted = program.emit();
  expect(emitted.emitSkipped).toBe(false);
}

/** A throwaway project that depends on metallbts (node_modules/metallbts links to the staged package). */
function stageConsumer(): void {
  consumer = join(stage, 'consumer');
  mkdirSync(join(consumer, 'node_modules'), { recursive: true });
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies: { metallbts: 'file:../metallbts' } }));
  symlinkSync(pkg, join(consumer, 'node_modules', 'metallbts'), 'dir');
}

beforeAll(() => {
  stage = mkdtempSync(join(tmpdir(), 'plugapi-exports-'));
  stagePackage();
  stageConsumer();
}, 120_000);
afterAll(() => rmSync(stage, { recursive: true, force: true }));

interface Probe {
  resolved: Record<string, string>;
  pluginApiNames: string[];
  version: unknown;
  memberlistNames: string[];
  testkitNames: string[];
  rootNames: string[];
  deepImport: string;
}

/** Runs plain Node (not jest's module system) in the consumer folder, so Node's own `exports` resolution answers. */
function probe(): Probe {
  const script = `
    const resolved = {};
    for (const id of ['metallbts', 'metallbts/plugin-api', 'metallbts/plugin-testkit', 'metallbts/memberlist', 'metallbts/package.json']) resolved[id] = require.resolve(id);
    const api = require('metallbts/plugin-api');
    let deepImport = 'resolved';
    try { require.resolve('metallbts/dist/src/core/log'); } catch (e) { deepImport = e.code; }
    console.log(JSON.stringify({ resolved, pluginApiNames: Object.keys(api), version: api.PLUGIN_API_VERSION,
      memberlistNames: Object.keys(require('metallbts/memberlist')), testkitNames: Object.keys(require('metallbts/plugin-testkit')), rootNames: Object.keys(require('metallbts')), deepImport }));`;
  const env = { ...process.env, NODE_PATH: '' };
  const r = spawnSync(process.execPath, ['-e', script], { cwd: consumer, env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Probe;
}

test('require.resolve finds each public entry in dist, and nothing else is reachable', () => {
  const p = probe();
  const dist = join(realpathSync(pkg), 'dist', 'src');
  expect(p.resolved).toEqual({
    metallbts: join(dist, 'index.js'),
    'metallbts/plugin-api': join(dist, 'core', 'plugin-api.js'),
    'metallbts/plugin-testkit': join(dist, 'plugin-testkit', 'index.js'),
    'metallbts/memberlist': join(dist, 'memberlist', 'index.js'),
    'metallbts/package.json': join(realpathSync(pkg), 'package.json'),
  });
  expect(p.deepImport).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
});

test('metallbts/plugin-api exports the version and the helpers; the root entry re-exports it; memberlist its library', () => {
  const p = probe();
  expect(p.version).toBe(1);
  expect(p.pluginApiNames).toEqual(
    expect.arrayContaining(['PLUGIN_API_VERSION', 'selectorMatches', 'anySelectorMatches', 'parseIp', 'formatIp', 'canonicalIp', 'ipToBuffer', 'ipFromBuffer', 'serviceKeyString', 'silentLogger']),
  );
  expect(p.rootNames).toEqual(expect.arrayContaining(p.pluginApiNames));
  expect(p.memberlistNames).toEqual(expect.arrayContaining(['Memberlist', 'Keyring', 'deriveMetalLBKey', 'FAST_PROFILE', 'LAN_PROFILE']));
  // The testkit loads in plain Node (no jest around): nothing in it needs jest at import time.
  expect(p.testkitNames).toEqual(expect.arrayContaining(['runConformance', 'describeConformance', 'createFakeContext', 'makePool', 'makeService', 'makeConfigView']));
});

test.each([
  ['node16', ts.ModuleResolutionKind.Node16, ts.ModuleKind.Node16],
  ['bundler', ts.ModuleResolutionKind.Bundler, ts.ModuleKind.ESNext],
  ['node10 (typesVersions)', ts.ModuleResolutionKind.Node10, ts.ModuleKind.CommonJS],
])('TypeScript (%s resolution) finds the .d.ts and a plugin type-checks against it', (_name, moduleResolution, module) => {
  const options: ts.CompilerOptions = { strict: true, noEmit: true, moduleResolution, module, target: ts.ScriptTarget.ES2022, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')], skipLibCheck: true };
  const dist = join(realpathSync(pkg), 'dist', 'src');
  const from = join(consumer, 'plugin.ts');
  const resolve = (id: string): string | undefined => ts.resolveModuleName(id, from, options, ts.sys).resolvedModule?.resolvedFileName;
  expect(resolve('metallbts/plugin-api')).toBe(join(dist, 'core', 'plugin-api.d.ts'));
  expect(resolve('metallbts/memberlist')).toBe(join(dist, 'memberlist', 'index.d.ts'));
  expect(resolve('metallbts/plugin-testkit')).toBe(join(dist, 'plugin-testkit', 'index.d.ts'));
  expect(resolve('metallbts')).toBe(join(dist, 'index.d.ts'));
  writeFileSync(
    from,
    `import { PLUGIN_API_VERSION, canonicalIp, type AnnouncerPlugin, type Logger } from 'metallbts/plugin-api';
export const plugin: AnnouncerPlugin = {
  protocol: 'example',
  apiVersion: PLUGIN_API_VERSION,
  create: (ctx) => {
    const log: Logger = ctx.logger;
    return {
      setConfig: async () => undefined,
      shouldAnnounce: (svc) => ({ announce: svc.ingressIPs.every((ip) => canonicalIp(ip) === ip), reason: 'canonical' }),
      setBalancer: async (key, ips) => log.info({ service: key.name, ip: ips }, 'announce'),
      deleteBalancer: async () => undefined,
      status: () => ({ healthy: true }),
      shutdown: async () => undefined,
    };
  },
};
// The testkit's types line up with the API's: an author's conformance call type-checks.
import { makePool, runConformance, type ConformanceReport } from 'metallbts/plugin-testkit';
export const check = (): Promise<ConformanceReport> => runConformance({ plugin, pools: [makePool('a', plugin.protocol)] });
// A wrong apiVersion must not type-check (proves the types are the real ones, not any).
// @ts-expect-error apiVersion is the literal PLUGIN_API_VERSION
export const wrong: AnnouncerPlugin = { ...plugin, apiVersion: 2 };
`,
  );
  const program = ts.createProgram([from], options);
  const diagnostics = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  expect(diagnostics).toEqual([]);
});
