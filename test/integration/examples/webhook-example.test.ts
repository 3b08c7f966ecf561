// The example plugin cannot rot: its own type-check, build and jest suite run from its folder, against the built package.
import { existsSync, lstatSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt } from '../layer2/netns-lab';
import { inWebhookExample as inExample, linkMetallbts, WEBHOOK_EXAMPLE as EXAMPLE } from '../../support/webhook-example';

beforeAll(() => {
  ensureBuilt(); // dist/: what metallbts/plugin-api and metallbts/plugin-testkit resolve to
  expect(lstatSync(linkMetallbts()).isSymbolicLink()).toBe(true);
});

describe('examples/plugins/webhook', () => {
  test('type-checks against the public entries only (node16 resolution honours package.json exports)', () => {
    const r = inExample('tsc', ['-p', 'tsconfig.json']);
    expect([r.code, r.output]).toEqual([0, '']);
  }, 240_000);

  test('builds its package (dist/index.js)', () => {
    const r = inExample('tsc', ['-p', 'tsconfig.build.json']);
    expect([r.code, r.output]).toEqual([0, '']);
    expect(existsSync(join(EXAMPLE, 'dist', 'index.js'))).toBe(true);
  }, 240_000);

  test('its own jest suite passes (unit tests with a real HTTP receiver, and the testkit)', () => {
    const r = inExample('jest', ['--ci', '--maxWorkers=1']);
    if (r.code !== 0) throw new Error(`jest in ${EXAMPLE} exited ${r.code}:\n${r.output.slice(-6000)}`);
    expect(r.output).toMatch(/Tests:\s+\d+ passed, \d+ total/);
    expect(r.output).not.toMatch(/failed/);
  }, 240_000);
});
