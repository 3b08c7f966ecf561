// `npm pack` ships what the entry points, the CLI and the native addons need, and no tests (package.json `files`).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');

interface PackEntry {
  path: string;
}

/** The file list `npm pack` would publish (dist/ is built by `npm test` before jest runs). */
function packedFiles(): string[] {
  const r = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, npm_config_loglevel: 'error' } });
  if (r.status !== 0) throw new Error(`npm pack exited ${r.status}: ${r.stderr}`);
  const [result] = JSON.parse(r.stdout) as Array<{ files: PackEntry[] }>;
  return result!.files.map((f) => f.path);
}

interface PackageJson {
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
  typesVersions: Record<string, Record<string, string[]>>;
}

let files: Set<string>;
let pkg: PackageJson;
beforeAll(() => {
  pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as PackageJson;
  files = new Set(packedFiles());
}, 150_000);

const strip = (p: string): string => p.replace(/^\.\//, '');

test('every entry point, its .d.ts and the CLI are in the package', () => {
  const wanted = [pkg.main, pkg.types, ...Object.values(pkg.bin), 'dist/src/cli/main.js', 'package.json', 'README.md', 'docs/plugins.md'];
  for (const target of Object.values(pkg.exports)) wanted.push(...(typeof target === 'string' ? [target] : [target.types, target.default]));
  for (const paths of Object.values(pkg.typesVersions['*']!)) wanted.push(...paths);
  const missing = wanted.map(strip).filter((f) => !files.has(f));
  expect(missing).toEqual([]);
  expect(wanted.length).toBeGreaterThan(12);
});

test('the built-in plugins and everything the entries load are shipped as .js with their .d.ts', () => {
  for (const f of ['dist/plugins/layer2/index.js', 'dist/plugins/bgp/index.js', 'dist/src/core/k8s/kube-lib.js', 'dist/src/plugin-testkit/conformance.js', 'dist/src/memberlist/memberlist.d.ts']) {
    expect(files).toContain(f);
  }
  const js = [...files].filter((f) => f.startsWith('dist/') && f.endsWith('.js'));
  expect(js.filter((f) => !files.has(f.replace(/\.js$/, '.d.ts')))).toEqual([]);
});

test('the native addons ship as sources (and prebuilt when built), for node-gyp rebuild on other platforms', () => {
  for (const addon of ['afpacket', 'tcpmd5']) {
    expect(files).toContain(`native/${addon}/binding.gyp`);
    const sources = readdirSync(join(ROOT, 'native', addon, 'src')).map((f) => `native/${addon}/src/${f}`);
    expect(sources.filter((f) => !files.has(f))).toEqual([]);
    const built = `native/${addon}/build/Release/${addon}.node`;
    if (existsSync(join(ROOT, built))) expect(files).toContain(built);
  }
});

test('no tests, test fixtures, TypeScript sources, source maps or build leftovers are shipped', () => {
  const unwanted = [...files].filter(
    (f) => /(^|\/)test\//.test(f) || /\.test\.[jt]s$/.test(f) || (/\.ts$/.test(f) && !f.endsWith('.d.ts')) || f.endsWith('.map') || f.startsWith('dist/api-report') || /native\/[^/]+\/build\/(?!Release\/[^/]+\.node$)/.test(f),
  );
  expect(unwanted).toEqual([]);
  expect(files.size).toBeGreaterThan(200);
});
