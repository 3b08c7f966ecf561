// Plugins through the chart's values: the controller validates a plugin's protocol, the speaker hands the plugin its options.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { Registry } from 'prom-client';
import { createPluginRegistry, loadPlugins } from '../../../src/cli/builtin-plugins';
import { configOptionsFor } from '../../../src/cli/config-options';
import { parsePluginOptions, pluginOptionsByProtocol } from '../../../src/cli/plugin-options';
import { loadConfig } from '../../../src/core/config';
import { silentLogger } from '../../../src/core/log';
import type { ClusterView, PluginContext } from '../../../src/core/plugin-api';
import { Speaker } from '../../../src/core/speaker/speaker';
import { received } from '../../fixtures/plugins/static-route-plugin';

const ROOT = join(__dirname, '..', '..', '..');
const PLUGIN = join(ROOT, 'test', 'fixtures', 'plugins', 'static-route-plugin');
const cluster: ClusterView = { node: () => undefined, nodes: () => [], endpoints: () => [], onChange: () => () => undefined };

/** values/plugin-example.yaml's speaker.plugins and configInline, as the chart passes them (env JSON, ConfigMap `config`). */
function pluginExample(): { env: string; configMap: string } {
  const values = yaml.load(readFileSync(join(ROOT, 'values', 'plugin-example.yaml'), 'utf8')) as {
    speaker: { plugins: Array<{ module: string; options: Record<string, unknown> }> };
    configInline: unknown;
  };
  // The module is the fixture here (same protocol and options as the example's image would bring).
  const env = JSON.stringify(values.speaker.plugins.map((p) => ({ module: PLUGIN, options: p.options })));
  const configMap = yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'config', namespace: 'metallb-system' }, data: { config: yaml.dump(values.configInline) } });
  return { env, configMap };
}

describe('plugin options from the chart (METALLBTS_PLUGIN_OPTIONS)', () => {
  test('options keyed by module reach the plugin under the protocol it registers', () => {
    const plugins = loadPlugins([PLUGIN]);
    expect(plugins.protocolOfModule.get(PLUGIN)).toBe('static-route');
    const entries = parsePluginOptions(pluginExample().env);
    expect(pluginOptionsByProtocol(entries, plugins)).toEqual({ 'static-route': { table: 100 } });
  });

  test('a built-in named by its protocol or alias, and an explicit protocol, keep working (the lab passes layer2 that way)', () => {
    const plugins = loadPlugins([]);
    const entries = parsePluginOptions(JSON.stringify([
      { module: 'arp', options: { a: 1 } },
      { module: 'whatever', protocol: 'bgp', options: { b: 2 } },
    ]));
    expect(pluginOptionsByProtocol(entries, plugins)).toEqual({ layer2: { a: 1 }, bgp: { b: 2 } });
  });

  test('options for a module that is not loaded are an error naming it, not silently dropped', () => {
    const entries = parsePluginOptions(JSON.stringify([{ module: 'metallbts-plugin-nope', options: {} }]));
    expect(() => pluginOptionsByProtocol(entries, loadPlugins([]))).toThrow(/"metallbts-plugin-nope", which is not loaded .*--plugin=metallbts-plugin-nope/);
  });

  test('malformed values are refused naming the variable and the entry', () => {
    expect(() => parsePluginOptions('{')).toThrow(/METALLBTS_PLUGIN_OPTIONS is not JSON/);
    expect(() => parsePluginOptions('{}')).toThrow(/must be a JSON array/);
    expect(() => parsePluginOptions('[{"module":"a"},{"options":{}}]')).toThrow(/METALLBTS_PLUGIN_OPTIONS\[1\]\.module/);
    expect(() => parsePluginOptions('[{"module":"a","options":[1]}]')).toThrow(/METALLBTS_PLUGIN_OPTIONS\[0\]\.options must be an object/);
    expect(parsePluginOptions(undefined)).toEqual([]);
    expect(parsePluginOptions('[{"module":"a","options":null}]')).toEqual([{ module: 'a', options: {} }]);
  });
});

describe('the controller with the plugin example', () => {
  test('without the plugin the example config is rejected for an unknown protocol', () => {
    const result = loadConfig([{ file: 'config', text: pluginExample().configMap }], configOptionsFor(createPluginRegistry()));
    expect(result.config).toBeUndefined();
    expect(result.issues.filter((i) => i.severity === 'error').map((i) => i.message).join('\n')).toMatch(/static-route/);
  });

  test('with --plugin (as the chart runs it) the example config is accepted', () => {
    const result = loadConfig([{ file: 'config', text: pluginExample().configMap }], configOptionsFor(loadPlugins([PLUGIN]).registry));
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(result.config?.pools.map((p) => [p.name, p.protocols])).toEqual([['routed', ['static-route']]]);
  });

  test("the plugin's own validate runs in the controller", () => {
    const text = pluginExample().configMap.replace('10.20.0.0/24', '10.20.0.1-10.20.0.9');
    const result = loadConfig([{ file: 'config', text }], configOptionsFor(loadPlugins([PLUGIN]).registry));
    expect(result.config).toBeUndefined();
    expect(result.issues.map((i) => i.message)).toContain('static-route pools take CIDR prefixes, not ranges');
  });
});

describe('the speaker with the plugin example', () => {
  test('the plugin is created with its options from the chart', async () => {
    // In process (the debugging mode) so this test sees the module's own `received`; isolation.test.ts covers workers.
    const plugins = loadPlugins([PLUGIN], undefined, { inProcess: true });
    const { env, configMap } = pluginExample();
    const result = loadConfig([{ file: 'config', text: configMap }], configOptionsFor(plugins.registry));
    const speaker = new Speaker({
      nodeName: 'node-a', registry: plugins.registry, logger: silentLogger(), metrics: new Registry(), cluster,
      events: { normal: () => undefined, warning: () => undefined },
      pluginOptions: pluginOptionsByProtocol(parsePluginOptions(env), plugins),
    });
    received.ctx = undefined;
    await speaker.setConfig(result.config!);
    expect((received.ctx as PluginContext | undefined)?.options).toEqual({ table: 100 });
    await speaker.shutdown();
  });
});
