// `metallbts validate --plugin` and `plan --plugin`: a config using a plugin protocol checks offline, the plugin's validate included.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadPlugins, pluginRequire } from '../../../src/cli/builtin-plugins';
import { captureCli } from '../../support/captured-cli';
import { fixtureArg, scratchFolder, SERVICES } from './plugin-cli-fixture';

/** A legacy ConfigMap (the path that can select a plugin protocol) with one pool, or more. */
const configMap = (protocol: string, addresses: string, name = 'routed', more: Array<[string, string, string]> = []): string =>
  `apiVersion: v1
kind: ConfigMap
metadata: {name: config, namespace: metallb-system}
data:
  config: |
    address-pools:
${[[protocol, addresses, name], ...more].map(([p, a, n]) => `    - name: ${n}\n      protocol: ${p}\n      addresses: [${a}]\n`).join('')}`;

/** A third-party plugin as published: plain CommonJS in a package, no metallbts import; create() must not run offline. */
const PACKAGE_PLUGIN = `module.exports = {
  protocol: 'webhook-fixture',
  apiVersion: 1,
  validate(view) {
    // No file and no path: the core locates the issue at the pool.
    return view.pool.name.startsWith('bad') ? [{ severity: 'error', path: '', message: 'webhook-fixture refuses pools named bad*' }] : [];
  },
  create() { throw new Error('create() must not be called by validate or plan'); },
};
`;

const { dir, file } = scratchFolder('plugapi-validate-');
beforeAll(() => {
  mkdirSync(join(dir(), 'node_modules', 'metallbts-plugin-webhook-fixture'), { recursive: true });
  writeFileSync(join(dir(), 'node_modules', 'metallbts-plugin-webhook-fixture', 'index.js'), PACKAGE_PLUGIN);
});

describe('metallbts validate --plugin (the command line program)', () => {
  const cli = captureCli();
  const validate = (...args: string[]) => cli.run('validate', ...args);

  test('without the plugin, its protocol is an error in the pool (exit 1)', async () => {
    const cfg = file('no-plugin.yaml', configMap('static-route', '10.20.0.0/24'));
    expect(await validate(cfg)).toBe(1);
    expect(cli.stdout()).toMatch(/no-plugin\.yaml:.*static-route/);
  });

  test('--plugin before the files (a path from the working directory) validates the config (exit 0)', async () => {
    const cfg = file('valid.yaml', configMap('static-route', '10.20.0.0/24'));
    expect(await validate('--plugin', fixtureArg(), cfg)).toBe(0);
    expect(cli.stdout()).toBe('');
    expect(cli.stderr()).toBe('configuration is valid: 1 pool(s)\n');
  });

  test('--plugin after the files works too', async () => {
    const cfg = file('valid-after.yaml', configMap('static-route', '10.20.0.0/24'));
    expect(await validate(cfg, `--plugin=${fixtureArg()}`)).toBe(0);
  });

  test("the plugin's own validate runs: its located issue is printed and the config is invalid (exit 1)", async () => {
    const cfg = file('range.yaml', configMap('static-route', '10.20.0.1-10.20.0.9'));
    expect(await validate('--plugin', fixtureArg(), cfg)).toBe(1);
    expect(cli.stdout()).toBe(`${cfg}:pools.routed: static-route pools take CIDR prefixes, not ranges\n`);
    expect(cli.stderr()).toMatch(/1 error\(s\), 0 warning\(s\): configuration is invalid/);
  });

  test('--plugin repeats; two modules give two protocols', async () => {
    const cfg = file('two.yaml', configMap('static-route', '10.20.0.0/24', 'routed', [['webhook-fixture', '10.30.0.0/24', 'hooked']]));
    const pkg = join(dir(), 'node_modules', 'metallbts-plugin-webhook-fixture');
    expect(await validate('--plugin', fixtureArg(), cfg)).toBe(1);
    expect(cli.stdout()).toMatch(/webhook-fixture/);
    cli.clear();
    expect(await validate('--plugin', fixtureArg(), '--plugin', pkg, cfg)).toBe(0);
    expect(cli.stdout()).toBe('');
    expect(cli.stderr()).toBe('configuration is valid: 2 pool(s)\n');
  });

  test("a plugin issue without a location is reported at the pool's file and path", async () => {
    const cfg = file('bad-pool.yaml', configMap('webhook-fixture', '10.30.0.0/24', 'bad-pool'));
    expect(await validate('--plugin', join(dir(), 'node_modules', 'metallbts-plugin-webhook-fixture'), cfg)).toBe(1);
    expect(cli.stdout()).toBe(`${cfg}:address-pools[0]: webhook-fixture refuses pools named bad*\n`);
  });

  test('an unloadable module is a usage error naming it (exit 2)', async () => {
    const cfg = file('any.yaml', configMap('static-route', '10.20.0.0/24'));
    expect(await validate('--plugin', './no/such/plugin.js', cfg)).toBe(2);
    expect(cli.stderr()).toMatch(/cannot load plugin module "\.\/no\/such\/plugin\.js"/);
  });
});

describe('metallbts plan --plugin', () => {
  const cli = captureCli();
  const plan = (...args: string[]) => cli.run('plan', ...args);

  test('plans a Service into a plugin-protocol pool', async () => {
    const cfg = file('plan.yaml', configMap('static-route', '10.20.0.0/24'));
    const svcs = file('svcs.yaml', SERVICES);
    expect(await plan('--plugin', fixtureArg(), '--config', cfg, '--services', svcs, '-o', 'json')).toBe(0);
    const rows = JSON.parse(cli.stdout()) as Array<{ name: string; pool?: string; ips: string[]; result: string }>;
    expect(rows.map((r) => [r.name, r.pool, r.ips.join(','), r.result])).toEqual([['web', 'routed', '10.20.0.0', 'allocated']]);
  });

  test("refuses to plan when the plugin's validate rejects the config (exit 1)", async () => {
    const cfg = file('plan-range.yaml', configMap('static-route', '10.20.0.1-10.20.0.9'));
    const svcs = file('svcs2.yaml', SERVICES);
    expect(await plan('--config', cfg, '--services', svcs, '--plugin', fixtureArg())).toBe(1);
    expect(cli.stderr()).toContain(`${cfg}:pools.routed: static-route pools take CIDR prefixes, not ranges`);
    expect(cli.stdout()).toBe('');
  });

  test('without --plugin the pool protocol is unknown (exit 1)', async () => {
    const cfg = file('plan-unknown.yaml', configMap('static-route', '10.20.0.0/24'));
    const svcs = file('svcs3.yaml', SERVICES);
    expect(await plan('--config', cfg, '--services', svcs)).toBe(1);
    expect(cli.stderr()).toMatch(/static-route/);
  });
});

describe('pluginRequire: where a --plugin module is found', () => {
  test('a package name resolves from the working directory node_modules', () => {
    const plugins = loadPlugins(['metallbts-plugin-webhook-fixture'], pluginRequire(dir()));
    expect(plugins.protocolOfModule.get('metallbts-plugin-webhook-fixture')).toBe('webhook-fixture');
    expect(plugins.registry.installed()).toEqual(['layer2', 'bgp', 'webhook-fixture']);
  });

  test('a relative path resolves from the working directory, not from metallbts', () => {
    expect(() => loadPlugins(['./node_modules/metallbts-plugin-webhook-fixture'], pluginRequire(dir()))).not.toThrow();
    expect(() => loadPlugins(['./builtin-plugins'], pluginRequire(dir()))).toThrow(/cannot load plugin module "\.\/builtin-plugins"/);
  });

  test("a package found from neither the working directory nor metallbts's node_modules is a load error naming it", () => {
    expect(() => loadPlugins(['metallbts-plugin-absent'], pluginRequire(dir()))).toThrow(/cannot load plugin module "metallbts-plugin-absent"/);
  });
});
