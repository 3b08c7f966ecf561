// `metallbts validate --plugin` and `plan --plugin` with the CRD path: a PluginAdvertisement checks offline, its options by the plugin.
import { join } from 'node:path';
import { captureCli } from '../../support/captured-cli';
import { fixtureArg, ROOT, scratchFolder, SERVICES } from './plugin-cli-fixture';

const CONFIG = (options: string) => `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: routed, namespace: metallb-system}
spec: {addresses: [10.20.0.0/24]}
---
apiVersion: metallbts.io/v1alpha1
kind: PluginAdvertisement
metadata: {name: routes, namespace: metallb-system}
spec:
  protocol: static-route
  ipAddressPools: [routed]
  options: ${options}
`;

const { file } = scratchFolder('plugcrd-validate-');

describe('metallbts validate --plugin with a PluginAdvertisement', () => {
  const cli = captureCli();

  test('valid with the plugin (exit 0)', async () => {
    const cfg = file('ok.yaml', CONFIG('{table: 100}'));
    expect(await cli.run('validate', '--plugin', fixtureArg(), cfg)).toBe(0);
    expect(cli.stdout()).toBe('');
    expect(cli.stderr()).toContain('configuration is valid: 1 pool(s)');
  });

  test('without the plugin: its protocol is an error at spec.protocol (exit 1)', async () => {
    const cfg = file('no-plugin.yaml', CONFIG('{table: 100}'));
    expect(await cli.run('validate', cfg)).toBe(1);
    expect(cli.stdout().split('\n')[0]).toBe(`${cfg}:PluginAdvertisement/routes.spec.protocol: protocol "static-route" has no installed plugin (installed: layer2, bgp)`);
  });

  test("the plugin's own validate refuses an option, located at the option (exit 1)", async () => {
    const cfg = file('bad-option.yaml', CONFIG('{table: main}'));
    expect(await cli.run('validate', '--plugin', fixtureArg(), cfg)).toBe(1);
    expect(cli.stdout()).toBe(`${cfg}:PluginAdvertisement/routes.spec.options.table: route table "main" must be an integer from 1 to 4294967295\n`);
  });

  test('the example in docs/examples is valid with the plugin', async () => {
    expect(await cli.run('validate', '--plugin', fixtureArg(), join(ROOT, 'docs', 'examples', 'plugin-advertisement.yaml'))).toBe(0);
    expect(cli.stdout()).toBe('');
  });

  test('plan --plugin allocates from the pool the advertisement selects', async () => {
    const cfg = file('plan.yaml', CONFIG('{table: 100}'));
    const svcs = file('svcs.yaml', SERVICES);
    expect(await cli.run('plan', '--plugin', fixtureArg(), '--config', cfg, '--services', svcs, '-o', 'json')).toBe(0);
    const rows = JSON.parse(cli.stdout()) as Array<{ name: string; pool?: string; result: string }>;
    expect(rows.map((r) => [r.name, r.pool, r.result])).toEqual([['web', 'routed', 'allocated']]);
  });
});
