// The speaker applies PluginAdvertisements' node and service selectors before asking the plugin, and hands it its advertisements.
import { Registry } from 'prom-client';
import { Speaker } from '../../../src/core/speaker/speaker';
import { PluginRegistry } from '../../../src/core/plugins/registry';
import { silentLogger } from '../../../src/core/log';
import { loadConfig, type Config, type LoadOptions } from '../../../src/core/config';
import { matchingPluginAdvertisements, type ClusterView, type NodeView, type PluginConfigView } from '../../../src/core/plugin-api';
import { recordingPlugin } from '../../support/recording-plugin';
import { service } from '../../support/fixtures';

const catalog: LoadOptions = {
  protocols: (n) => ({ layer2: 'layer2', bgp: 'bgp', 'static-route': 'static-route' })[n],
  installed: ['layer2', 'bgp', 'static-route'],
};

const POOL = 'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: routed}\nspec: {addresses: [10.20.0.0/24]}\n';
const ad = (name: string, spec: string): string =>
  `---\napiVersion: metallbts.io/v1alpha1\nkind: PluginAdvertisement\nmetadata: {name: ${name}}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;

function configOf(text: string): Config {
  const result = loadConfig([{ file: 'c.yaml', text }], catalog);
  if (!result.config) throw new Error(result.issues.map((i) => i.message).join('\n'));
  return result.config;
}

function setup(nodeLabels: Record<string, string>) {
  let node: NodeView = { name: 'node-a', labels: nodeLabels, networkUnavailable: false, addresses: [] };
  const cluster: ClusterView = { node: (n) => (n === 'node-a' ? node : undefined), nodes: () => [node], endpoints: () => [], onChange: () => () => undefined };
  const plugin = recordingPlugin('static-route');
  const views: PluginConfigView[] = [];
  const create = plugin.create.bind(plugin);
  plugin.create = (ctx) => {
    const announcer = create(ctx);
    return { ...announcer, setConfig: async (view) => { views.push(view); await announcer.setConfig(view); } };
  };
  const registry = new PluginRegistry();
  registry.register(plugin);
  const events = { normal: () => undefined, warning: () => undefined };
  const speaker = new Speaker({ nodeName: 'node-a', registry, logger: silentLogger(), metrics: new Registry(), cluster, events });
  const relabel = (labels: Record<string, string>): void => {
    node = { ...node, labels };
  };
  return { speaker, plugin, views, relabel };
}

const routed = (name: string, labels: Record<string, string> = {}) => service(name, { ingressIPs: ['10.20.0.5'], labels });
const balancers = (p: ReturnType<typeof recordingPlugin>) => p.calls.filter((c) => c.op !== 'setConfig').map((c) => `${c.op} ${c.service}`);

describe('PluginAdvertisement in the speaker', () => {
  test('the plugin gets its advertisements with their options in setConfig, and setBalancer for the pool', async () => {
    const { speaker, plugin, views } = setup({});
    await speaker.setConfig(configOf(POOL + ad('routes', 'protocol: static-route\nipAddressPools: [routed]\noptions: {table: 100}')));
    await speaker.upsertService(routed('web'));
    expect(views.at(-1)?.pools.map((p) => p.name)).toEqual(['routed']);
    expect(views.at(-1)?.pluginAdvertisements.map((a) => [a.name, a.options])).toEqual([['routes', { table: 100 }]]);
    expect(balancers(plugin)).toEqual(['setBalancer default/web']);
  });

  test('a node the nodeSelectors leave out does not announce; relabelled, it does; unlabelled again, it withdraws', async () => {
    const { speaker, plugin, relabel } = setup({ rack: 'a' });
    await speaker.setConfig(configOf(POOL + ad('routes', 'protocol: static-route\nnodeSelectors: [{matchLabels: {edge: "true"}}]')));
    await speaker.upsertService(routed('web'));
    expect(balancers(plugin)).toEqual([]);
    relabel({ rack: 'a', edge: 'true' });
    await speaker.resyncAll();
    expect(balancers(plugin)).toEqual(['setBalancer default/web']);
    relabel({ rack: 'a' });
    await speaker.resyncAll();
    expect(balancers(plugin)).toEqual(['setBalancer default/web', 'deleteBalancer default/web']);
  });

  test('serviceSelectors: only matching Services; a second advertisement for the same pool widens the set', async () => {
    const { speaker, plugin } = setup({});
    await speaker.setConfig(configOf(POOL + ad('routes', 'protocol: static-route\nserviceSelectors: [{matchLabels: {exposure: routed}}]')));
    await speaker.upsertService(routed('web', { exposure: 'routed' }));
    await speaker.upsertService(service('db', { ingressIPs: ['10.20.0.6'] }));
    expect(balancers(plugin)).toEqual(['setBalancer default/web']);
    await speaker.setConfig(configOf(POOL + ad('routes', 'protocol: static-route\nserviceSelectors: [{matchLabels: {exposure: routed}}]') + ad('all', 'protocol: static-route')));
    expect(balancers(plugin)).toContain('setBalancer default/db');
  });
});

describe('matchingPluginAdvertisements (the same rule, for plugins)', () => {
  const config = configOf(
    POOL + ad('edge', 'protocol: static-route\nnodeSelectors: [{matchLabels: {edge: "true"}}]\noptions: {table: 1}') + ad('all', 'protocol: static-route\noptions: {table: 2}'),
  );

  test('the advertisements in force on a node for a Service, with their options', () => {
    const on = (labels: Record<string, string> | undefined) => matchingPluginAdvertisements(config.pluginAdvertisements, 'routed', labels, {}).map((a) => a.options);
    expect(on({ edge: 'true' })).toEqual([{ table: 1 }, { table: 2 }]);
    expect(on({})).toEqual([{ table: 2 }]);
    expect(on(undefined)).toEqual([{ table: 2 }]);
    expect(matchingPluginAdvertisements(config.pluginAdvertisements, 'other', {}, {})).toEqual([]);
  });
});
