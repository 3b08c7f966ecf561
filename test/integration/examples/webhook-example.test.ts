// The example plugin cannot rot: its own type-check, build and jest suite run from its folder, against the built package.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt } from '../layer2/netns-lab';
import { buildWebhookExample, inWebhookExample as inExample, linkMetallbts, REPO, WEBHOOK_EXAMPLE as EXAMPLE } from '../../support/webhook-example';

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

describe('metallbts validate --plugin with the built example', () => {
  const validate = (config: string): { code: number | null; output: string } => {
    const dir = mkdtempSync(join(tmpdir(), 'webhook-validate-'));
    const file = join(dir, 'config.yaml');
    writeFileSync(file, config);
    const r = spawnSync(process.execPath, [join(REPO, 'bin', 'metallbts.js'), 'validate', '--plugin', join(EXAMPLE, 'dist', 'index.js'), file],
      { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, output: `${r.stdout}${r.stderr}`.replaceAll(file, 'config.yaml') };
  };
  const configMap = (pools: string): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config, namespace: metallb-system}\ndata:\n  config: |\n    address-pools:\n${pools}`;

  test('a pool with protocol: webhook validates offline; the plugin\'s own check warns at the pool', () => {
    buildWebhookExample();
    expect(validate(configMap('      - {name: external, protocol: webhook, addresses: [10.20.0.0/24]}\n'))).toEqual({ code: 0, output: expect.stringContaining('configuration is valid') });
    const both = validate(`${configMap('      - {name: external, protocol: webhook, addresses: [10.20.0.0/24]}\n')}---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata: {name: also-l2, namespace: metallb-system}
spec: {ipAddressPools: [external]}
`);
    expect(both.output).toMatch(/warning: pool "external" is announced by layer2 as well as by the webhook/);
  }, 120_000);
});
