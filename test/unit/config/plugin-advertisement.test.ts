// The metallbts.io PluginAdvertisement kind: parsed into pluginAdvertisements with located errors, from files and from the API.
import { buildConfig, formatIssue, loadConfig, type LoadOptions } from '../../../src/core/config';

const catalog: LoadOptions = {
  protocols: (n) => ({ layer2: 'layer2', arp: 'layer2', bgp: 'bgp', 'static-route': 'static-route', sroute: 'static-route', webhook: 'webhook' })[n],
  installed: ['layer2', 'bgp', 'static-route', 'webhook'],
};

const POOLS = `apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: routed, labels: {announce: static-route}}
spec: {addresses: [10.20.0.0/24]}
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: {name: other}
spec: {addresses: [10.30.0.0/24]}
`;

function ad(spec: string, name = 'routes', apiVersion = 'metallbts.io/v1alpha1'): string {
  return `---\napiVersion: ${apiVersion}\nkind: PluginAdvertisement\nmetadata: {name: ${name}}\nspec:\n${spec.replace(/^/gm, '  ')}\n`;
}

const load = (text: string, opts: LoadOptions = catalog) => loadConfig([{ file: 'c.yaml', text }], opts);
const errors = (text: string, opts: LoadOptions = catalog): string[] =>
  load(text, opts).issues.filter((i) => i.severity === 'error').map(formatIssue);

describe('PluginAdvertisement: good cases', () => {
  it('selects a pool by name for its protocol, with its options, selectors and location', () => {
    const text = POOLS + ad('protocol: static-route\nipAddressPools: [routed]\nnodeSelectors: [{matchLabels: {edge: "true"}}]\nserviceSelectors: [{matchLabels: {exposure: routed}}]\noptions: {table: 100, nextHops: [192.168.1.1]}');
    const result = load(text);
    expect(result.issues.map(formatIssue)).toEqual([
      'c.yaml:IPAddressPool/other: warning: pool "other" is not announced: no L2Advertisement, BGPAdvertisement or PluginAdvertisement selects it',
    ]);
    expect(result.config?.pools.map((p) => [p.name, p.protocols])).toEqual([['routed', ['static-route']], ['other', []]]);
    expect(result.config?.pluginAdvertisements).toEqual([
      {
        protocol: 'static-route',
        pools: ['routed'],
        name: 'routes',
        nodeSelectors: [{ matchLabels: { edge: 'true' }, matchExpressions: [] }],
        serviceSelectors: [{ matchLabels: { exposure: 'routed' }, matchExpressions: [] }],
        options: { table: 100, nextHops: ['192.168.1.1'] },
        source: { file: 'c.yaml', path: 'PluginAdvertisement/routes' },
      },
    ]);
  });

  it('resolves an alias to the canonical protocol, and selects by pool labels', () => {
    const result = load(POOLS + ad('protocol: sroute\nipAddressPoolSelectors: [{matchLabels: {announce: static-route}}]'));
    expect(result.config?.pluginAdvertisements.map((a) => [a.protocol, a.pools, a.options])).toEqual([['static-route', ['routed'], {}]]);
  });

  it('without pools or selectors selects every IPAddressPool, like L2Advertisement', () => {
    const result = load(POOLS + ad('protocol: webhook'));
    expect(result.config?.pools.map((p) => p.protocols)).toEqual([['webhook'], ['webhook']]);
  });

  it('reads the same objects from the API (kind hint, API file names), unknown fields only warned about', () => {
    const result = buildConfig(
      [
        { object: { metadata: { name: 'routed' }, spec: { addresses: ['10.20.0.0/24'] } }, kind: 'IPAddressPool', file: 'ipaddresspool/metallb-system/routed' },
        {
          object: { apiVersion: 'metallbts.io/v1alpha1', kind: 'PluginAdvertisement', metadata: { name: 'routes', uid: 'u' }, spec: { protocol: 'static-route', ipAddressPools: ['routed'], future: 1 } },
          kind: 'PluginAdvertisement',
          file: 'pluginadvertisement/metallb-system/routes',
        },
      ],
      catalog,
    );
    expect(result.config?.pools[0]!.protocols).toEqual(['static-route']);
    expect(result.issues.map(formatIssue)).toEqual(['pluginadvertisement/metallb-system/routes:PluginAdvertisement/routes.spec.future: warning: unknown field "future"; ignored']);
  });

  it('hands the plugin validator its advertisements; an issue about shared options is printed once', () => {
    const text = POOLS + ad('protocol: static-route\noptions: {table: main}');
    const seen: string[] = [];
    const result = load(text, {
      ...catalog,
      pluginValidators: {
        'static-route': (view) => {
          seen.push(`${view.pool.name}:${(view.pluginAdvertisements ?? []).map((a) => a.name).join(',')}`);
          return (view.pluginAdvertisements ?? [])
            .filter((a) => typeof a.options?.table !== 'number')
            .map((a) => ({ severity: 'error' as const, file: a.source.file, path: `${a.source.path}.spec.options.table`, message: 'table must be a number' }));
        },
      },
    });
    expect(seen).toEqual(['routed:routes', 'other:routes']);
    expect(result.issues.map(formatIssue)).toEqual(['c.yaml:PluginAdvertisement/routes.spec.options.table: table must be a number']);
  });

  it('a pool claimed by a plugin and by an L2Advertisement that selects everything is announced by both, with a warning', () => {
    const text = POOLS + ad('protocol: static-route\nipAddressPools: [routed]') + '---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: {name: all}\n';
    const result = load(text);
    expect(result.config?.pools.map((p) => p.protocols)).toEqual([['layer2', 'static-route'], ['layer2']]);
    expect(result.issues.map(formatIssue)).toEqual([
      'c.yaml:IPAddressPool/routed: warning: pool "routed" is announced by several protocols: layer2 (L2Advertisement/all), static-route (PluginAdvertisement/routes); each announces it independently from the nodes its advertisements select (narrow an advertisement with ipAddressPools or ipAddressPoolSelectors if that is not meant)',
    ]);
  });

  it('two protocols may advertise one legacy pool: the ConfigMap one and a PluginAdvertisement naming it', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: config}\ndata:\n  config: |\n    address-pools:\n    - name: legacy\n      protocol: static-route\n      addresses: [10.40.0.0/24]\n' + ad('protocol: webhook\nipAddressPools: [legacy]');
    const result = load(text);
    expect(result.config?.pools.map((p) => p.protocols)).toEqual([['static-route', 'webhook']]);
    expect(result.config?.pluginAdvertisements.map((a) => [a.protocol, a.name, a.source.path])).toEqual([
      ['static-route', undefined, 'address-pools[0]'],
      ['webhook', 'routes', 'PluginAdvertisement/routes'],
    ]);
  });
});

describe('PluginAdvertisement: bad cases, located at kind/name + field path', () => {
  it.each([
    ['a protocol no plugin provides', 'protocol: vxlan', 'c.yaml:PluginAdvertisement/routes.spec.protocol: protocol "vxlan" has no installed plugin (installed: layer2, bgp, static-route, webhook)'],
    ['a built-in protocol', 'protocol: arp', 'c.yaml:PluginAdvertisement/routes.spec.protocol: protocol "arp" is built in: select its pools with an L2Advertisement (metallb.io/v1beta1)'],
    ['bgp', 'protocol: bgp', 'c.yaml:PluginAdvertisement/routes.spec.protocol: protocol "bgp" is built in: select its pools with a BGPAdvertisement (metallb.io/v1beta1)'],
    ['an upper-case name', 'protocol: Static-Route', 'c.yaml:PluginAdvertisement/routes.spec.protocol: "Static-Route" is not a protocol name (lower-case letters, digits and dashes, at most 63, starting with a letter or digit)'],
    ['no protocol', 'ipAddressPools: [routed]', 'c.yaml:PluginAdvertisement/routes.spec.protocol: protocol is required'],
    ['options that are not a mapping', 'protocol: static-route\noptions: "table=100"', 'c.yaml:PluginAdvertisement/routes.spec.options: expected a mapping of the plugin\'s options, got string'],
    ['an unknown pool', 'protocol: static-route\nipAddressPools: [routd]', 'c.yaml:PluginAdvertisement/routes.spec.ipAddressPools[0]: unknown address pool "routd" (known: routed, other)'],
    ['a typo (an error from files, as kubectl apply refuses it)', 'protocol: static-route\nipAddressPool: [routed]', 'c.yaml:PluginAdvertisement/routes.spec.ipAddressPool: unknown field "ipAddressPool" (did you mean "ipAddressPools"?)'],
    ['In without values', 'protocol: static-route\nnodeSelectors: [{matchExpressions: [{key: rack, operator: In}]}]', 'c.yaml:PluginAdvertisement/routes.spec.nodeSelectors[0].matchExpressions[0].values: operator In needs at least one value'],
  ])('%s', (_what, spec, message) => {
    expect(errors(POOLS + ad(spec))).toEqual([message]);
  });

  it('a version the API server does not serve, and the wrong group', () => {
    expect(errors(POOLS + ad('protocol: static-route', 'routes', 'metallbts.io/v1beta1'))).toEqual([
      'c.yaml:PluginAdvertisement/routes.apiVersion: PluginAdvertisement metallbts.io/v1beta1 is not a served version (served: metallbts.io/v1alpha1)',
    ]);
    expect(errors(POOLS + ad('protocol: static-route', 'routes', 'metallb.io/v1beta1'))).toEqual([
      'c.yaml:PluginAdvertisement/routes.apiVersion: PluginAdvertisement needs apiVersion metallbts.io/v1alpha1, got "metallb.io/v1beta1"',
    ]);
  });

  it('two PluginAdvertisements of one name', () => {
    expect(errors(POOLS + ad('protocol: static-route') + ad('protocol: webhook'))).toEqual([
      'c.yaml:PluginAdvertisement/routes: duplicate plugin advertisement name "routes" (first defined at c.yaml:PluginAdvertisement/routes)',
    ]);
  });

  it('nothing is half-applied: one bad advertisement rejects the whole configuration', () => {
    const result = load(POOLS + ad('protocol: static-route', 'good') + ad('protocol: vxlan', 'bad'));
    expect(result.config).toBeUndefined();
  });
});
