// The example plugin cannot rot: its own type-check, build and jest suite run from its folder, against the built package.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt } from '../layer2/netns-lab';

const ROOT = join(__dirname, '..', '..', '..');
const EXAMPLE = join(ROOT, 'examples', 'plugins', 'webhook');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
const JEST = join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');

/** Runs a tool in the example's folder, as its author would (`npx tsc`, `npx jest`), with the repository's node_modules. */
function inExample(bin: string, args: string[]): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: EXAMPLE, encoding: 'utf8', timeout: 240_000, env: { ...process.env, CI: '1' } });
  return { code: r.status, output: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

beforeAll(() => {
  ensureBuilt(); // dist/: what metallbts/plugin-api and metallbts/plugin-testkit resolve to
  // What `npm install` makes of the example's `"metallbts": "file:../../.."` devDependency: a link to this package.
  const link = join(EXAMPLE, 'node_modules', 'metallbts');
  if (!existsSync(link)) {
    mkdirSync(join(EXAMPLE, 'node_modules'), { recursive: true });
    symlinkSync(join('..', '..', '..', '..'), link, 'dir');
  }
  expect(lstatSync(link).isSymbolicLink()).toBe(true);
});

describe('examples/plugins/webhook', () => {
  test('type-checks against the public entries only (node16 resolution honours package.json exports)', () => {
    const r = inExample(TSC, ['-p', 'tsconfig.json']);
    expect([r.code, r.output]).toEqual([0, '']);
  }, 240_000);

  test('builds its package (dist/index.js)', () => {
    const r = inExample(TSC, ['-p', 'tsconfig.build.json']);
    expect([r.code, r.output]).toEqual([0, '']);
    expect(existsSync(join(EXAMPLE, 'dist', 'index.js'))).toBe(true);
  }, 240_000);

  test('its own jest suite passes (unit tests with a real HTTP receiver, and the testkit)', () => {
    const r = inExample(JEST, ['--ci', '--maxWorkers=1']);
    if (r.code !== 0) throw new Error(`jest in ${EXAMPLE} exited ${r.code}:\n${r.output.slice(-6000)}`);
    expect(r.output).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    expect(r.output).not.toMatch(/failed/);
  }, 240_000);
});
