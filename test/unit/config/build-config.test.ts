// buildConfig over API objects (as informers deliver them) and loader options: installed protocols, plugin checks.
import { buildConfig, formatIssue, loadConfig, type Config, type LoadOptions } from '../../../src/core/config';

const configMap = (config: string): unknown => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'config', namespace: 'metallb-system', resourceVersion: '12', uid: 'x' },
  data: { config },
});

const pool = (name: string, addresses: string[], labels?: Record<string, string>): unknown => ({
  metadata: { name, namespace: 'metallb-system', labels, managedFields: [{}], creationTimestamp: '2024-01-01T00:00:00Z' },
  spec: { addresses },
  status: { assignedIPv4: 0 },
});

describe('buildConfig', () => {
  it('reads a ConfigMap object as the informer hands it over', () => {
    const result = buildConfig([{ object: configMap('address-pools:\n- name: a\n  protocol: layer2\n  addresses: [10.0.0.0/24]\n'), file: 'metallb-system/config' }]);
    expect(result.issues).toEqual([]);
    expect(result.config?.pools[0]).toMatchObject({ name: 'a', protocols: ['layer2'], source: { file: 'metallb-system/config', path: 'address-pools[0]' } });
  });

  it('uses the kind hint for list items without apiVersion/kind, and ignores server-set metadata and status', () => {
    const result = buildConfig([
      { object: pool('web', ['10.0.0.0/24'], { tier: 'web' }), kind: 'IPAddressPool' },
      { object: pool('db', ['10.0.1.0/24'], { tier: 'db' }), kind: 'IPAddressPool' },
      { object: { metadata: { name: 'l2' }, spec: { ipAddressPoolSelectors: [{ matchLabels: { tier: 'web' } }] } }, kind: 'L2Advertisement' },
      { object: { metadata: { name: 'r' }, spec: { myASN: 1, peerASN: 2, peerAddress: '10.0.0.254' } }, kind: 'BGPPeer' },
      { object: { metadata: { name: 'b' }, spec: { ipAddressPools: ['db'] } }, kind: 'BGPAdvertisement' },
    ]);
    expect(result.issues.map(formatIssue)).toEqual([]);
    const config = result.config as Config;
    expect(config.pools.map((p) => [p.name, p.protocols])).toEqual([
      ['web', ['layer2']],
      ['db', ['bgp']],
    ]);
    expect(config.l2Advertisements[0]!.pools).toEqual(['web']);
  });

  it('gives a pool both protocols when an L2 and a BGP advertisement select it', () => {
    const result = buildConfig([
      { object: pool('both', ['10.0.0.0/24']), kind: 'IPAddressPool' },
      { object: { metadata: { name: 'l2' } }, kind: 'L2Advertisement' },
      { object: { metadata: { name: 'bgp' } }, kind: 'BGPAdvertisement' },
      { object: { metadata: { name: 'r' }, spec: { myASN: 1, peerASN: 1, peerAddress: '10.0.0.254' } }, kind: 'BGPPeer' },
    ]);
    expect(result.config?.pools[0]!.protocols).toEqual(['layer2', 'bgp']);
  });

  it('returns no config but every issue when anything is an error', () => {
    const result = buildConfig([{ object: configMap('address-pools:\n- name: a\n  protocol: layer2\n  addresses: [nope, 10.0.0.0/33]\n') }]);
    expect(result.config).toBeUndefined();
    expect(result.issues.map((i) => i.path)).toEqual(['address-pools[0].addresses[0]', 'address-pools[0].addresses[1]']);
    expect(result.issues[0]!.file).toBeUndefined();
  });

  it('locates YAML errors in a ConfigMap object inside data.config', () => {
    const result = buildConfig([{ object: configMap('address-pools: [\n') }]);
    expect(result.issues).toEqual([
      { severity: 'error', path: 'data.config', message: expect.stringMatching(/^YAML syntax error at line 2, column 1: /) },
    ]);
  });
});

describe('installed protocols', () => {
  const onlyBgp: LoadOptions = { protocols: (n) => (n === 'bgp' ? 'bgp' : undefined), installed: ['bgp'] };
  const withVxlan: LoadOptions = {
    protocols: (n) => ({ layer2: 'layer2', arp: 'layer2', bgp: 'bgp', vxlan: 'vxlan' })[n],
    installed: ['layer2', 'bgp', 'vxlan'],
  };

  it('rejects a layer2 pool when the layer2 plugin is not installed, naming the installed ones', () => {
    const result = loadConfig([{ file: 'c.yaml', text: 'address-pools:\n- name: a\n  protocol: arp\n  addresses: [10.0.0.0/24]\n' }], onlyBgp);
    expect(result.issues.map(formatIssue)).toEqual(['c.yaml:address-pools[0].protocol: protocol "arp" has no installed plugin (installed: bgp)']);
  });

  it('rejects an L2Advertisement when layer2 is not installed', () => {
    const text = 'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: a}\nspec: {addresses: [10.0.0.0/24]}\n---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata: {name: l2}\n';
    const result = loadConfig([{ file: 'c.yaml', text }], onlyBgp);
    expect(result.issues.map(formatIssue)).toContain('c.yaml:L2Advertisement/l2: protocol "layer2" has no installed plugin (installed: bgp)');
  });

  it('turns a third-party protocol pool into a PluginAdvertisement', () => {
    const result = loadConfig([{ file: 'c.yaml', text: 'address-pools:\n- name: a\n  protocol: vxlan\n  addresses: [10.0.0.0/24]\n' }], withVxlan);
    expect(result.issues).toEqual([]);
    expect(result.config?.pools[0]!.protocols).toEqual(['vxlan']);
    expect(result.config?.pluginAdvertisements).toEqual([
      { protocol: 'vxlan', pools: ['a'], nodeSelectors: [], serviceSelectors: [], options: {}, source: { file: 'c.yaml', path: 'address-pools[0]' } },
    ]);
  });

  it('runs plugin validators on the pools of their protocol, and survives a throwing one', () => {
    const text = 'address-pools:\n- name: a\n  protocol: vxlan\n  addresses: [10.0.0.0/24]\n- name: b\n  protocol: layer2\n  addresses: [10.0.1.0/24]\n';
    const seen: string[] = [];
    const result = loadConfig([{ file: 'c.yaml', text }], {
      ...withVxlan,
      pluginValidators: {
        vxlan: (view) => {
          seen.push(view.pool.name);
          return [{ severity: 'warning', file: view.pool.source.file, path: `${view.pool.source.path}.protocol`, message: 'vxlan is experimental' }];
        },
        layer2: () => {
          throw new Error('boom');
        },
      },
    });
    expect(seen).toEqual(['a']);
    expect(result.issues.map(formatIssue)).toEqual([
      'c.yaml:address-pools[0].protocol: warning: vxlan is experimental',
      'c.yaml:address-pools[1]: plugin "layer2" failed to validate the pool: boom',
    ]);
  });
});

describe('localPref', () => {
  const objects = (first: Record<string, unknown>, second: Record<string, unknown>, addresses = ['10.0.0.0/24']) => [
    { object: pool('a', addresses), kind: 'IPAddressPool' },
    { object: { metadata: { name: 'r' }, spec: { myASN: 1, peerASN: 1, peerAddress: '10.0.0.254' } }, kind: 'BGPPeer' },
    { object: { metadata: { name: 'r2' }, spec: { myASN: 1, peerASN: 1, peerAddress: '10.0.0.253' } }, kind: 'BGPPeer' },
    { object: { metadata: { name: 'one' }, spec: first }, kind: 'BGPAdvertisement' },
    { object: { metadata: { name: 'two' }, spec: second }, kind: 'BGPAdvertisement' },
  ];

  it('allows different localPref for different aggregation lengths, peers, or the unused family', () => {
    expect(buildConfig(objects({ localPref: 100 }, { localPref: 200, aggregationLength: 24 })).issues).toEqual([]);
    expect(buildConfig(objects({ localPref: 100, peers: ['r'] }, { localPref: 200, peers: ['r2'] })).issues).toEqual([]);
    expect(buildConfig(objects({ localPref: 100 }, { localPref: 200, aggregationLengthV6: 64 })).issues.map(formatIssue)).toEqual([
      'BGPAdvertisement/two.spec.localPref: localPref 200 conflicts with localPref 100 of "one" for pool "a" and the same peers',
    ]);
    expect(buildConfig(objects({ localPref: 100 }, { localPref: 200, aggregationLength: 24 }, ['fc00::/64'])).config).toBeUndefined();
  });
});

describe('names that collide with Object.prototype', () => {
  it('treats "constructor" as an unknown protocol and operator, and "__proto__" as a plain alias', () => {
    const text =
      'bgp-communities:\n  __proto__: "1:2"\npeers:\n- my-asn: 1\n  peer-asn: 1\n  peer-address: 10.0.0.254\n  node-selectors:\n  - match-expressions:\n    - {key: k, operator: constructor}\n' +
      'address-pools:\n- name: a\n  protocol: constructor\n  addresses: [10.0.0.0/24]\n- name: b\n  protocol: bgp\n  addresses: [10.0.1.0/24]\n  bgp-advertisements:\n  - communities: [__proto__]\n';
    const result = loadConfig([{ file: 'c.yaml', text }]);
    expect(result.issues.map(formatIssue)).toEqual([
      'c.yaml:peers[0].node-selectors[0].match-expressions[0].operator: operator "constructor" must be one of In, NotIn, Exists, DoesNotExist',
      'c.yaml:address-pools[0].protocol: protocol "constructor" has no installed plugin (installed: layer2, bgp)',
    ]);
  });
});

describe('merging several files', () => {
  it('reports overlaps and duplicates across files at the later file', () => {
    const result = loadConfig([
      { file: 'one.yaml', text: 'address-pools:\n- name: a\n  protocol: layer2\n  addresses: [10.0.0.0/24]\n' },
      { file: 'two.yaml', text: 'address-pools:\n- name: a\n  protocol: layer2\n  addresses: [10.0.0.128/25]\n' },
    ]);
    expect(result.issues.map(formatIssue)).toEqual([
      'two.yaml:address-pools[0].name: duplicate pool name "a" (first defined at one.yaml:address-pools[0])',
      'two.yaml:address-pools[0].addresses[0]: "10.0.0.128/25" overlaps "10.0.0.0/24" of pool "a"',
    ]);
  });

  it('reads Community and BGPAdvertisement from different files', () => {
    const community = 'apiVersion: metallb.io/v1beta1\nkind: Community\nmetadata: {name: c}\nspec:\n  communities:\n  - {name: vip, value: "64500:1"}\n';
    const rest =
      'apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata: {name: a}\nspec: {addresses: [10.0.0.0/24]}\n---\n' +
      'apiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata: {name: b}\nspec: {communities: [vip]}\n---\n' +
      'apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata: {name: r}\nspec: {myASN: 1, peerASN: 1, peerAddress: 10.0.0.254}\n';
    const result = loadConfig([
      { file: 'c.yaml', text: community },
      { file: 'r.yaml', text: rest },
    ]);
    expect(result.issues).toEqual([]);
    expect(result.config?.bgpAdvertisements[0]!.communities).toEqual([{ kind: 'standard', value: 64500 * 65536 + 1 }]);
  });
});
