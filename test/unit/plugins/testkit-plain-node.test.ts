// The testkit outside jest (plain Node, as built in dist/): a conforming plugin passes, an unhandled rejection is reported.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ConformanceReport } from '../../../src/plugin-testkit';

const DIST = join(__dirname, '..', '..', '..', 'dist');

/** Runs the suite on a fixture plugin in a fresh `node` (jest catches unhandled rejections itself, plain Node does not). */
function runInNode(fixture: string, exportName: string, options = '{}'): ConformanceReport {
  const kit = join(DIST, 'src', 'plugin-testkit', 'index.js');
  const mod = join(DIST, 'test', 'fixtures', 'plugins', 'conformance', `${fixture}.js`);
  if (!existsSync(kit) || !existsSync(mod)) throw new Error(`${kit} or ${mod} is missing: build first (npm run build)`);
  const script = `
    const kit = require(${JSON.stringify(kit)});
    const plugin = require(${JSON.stringify(mod)})[${JSON.stringify(exportName)}];
    kit.runConformance({ plugin, settleMs: 30, ...${options} }).then((r) => process.stdout.write(JSON.stringify(r)));`;
  const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`node exited ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout) as ConformanceReport;
}

test('a conforming plugin passes in plain Node (the testkit needs no jest)', () => {
  const options = `{ pools: [kit.makePool('office', 'conformance-good', { addresses: ['192.0.2.0/28'] })] }`;
  const report = runInNode('good-plugin', 'default', options);
  expect(report.checks.filter((c) => !c.passed)).toEqual([]);
  expect(report.passed).toBe(true);
});

test('a fire-and-forget rejection fails "no unhandled rejections" and does not kill the run', () => {
  const report = runInNode('broken-plugins', 'unhandledRejection');
  expect(report.checks.filter((c) => !c.passed).map((c) => c.name)).toEqual(['no unhandled rejections']);
  expect(report.checks.find((c) => c.name === 'no unhandled rejections')?.problems).toContain('unhandled: Error: background refresh failed');
});
