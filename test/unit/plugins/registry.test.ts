import { PluginRegistry, PluginLoadError } from '../../../src/core/plugins/registry';
import { PLUGIN_API_VERSION, type AnnouncerPlugin, type Announcer } from '../../../src/core/plugin-api';
import { createPluginRegistry } from '../../../src/cli/builtin-plugins';

function fakePlugin(protocol: string, aliases: string[] = [], apiVersion: number = PLUGIN_API_VERSION): AnnouncerPlugin {
  return {
    protocol,
    aliases,
    apiVersion: apiVersion as typeof PLUGIN_API_VERSION,
    create: () => ({}) as Announcer,
  };
}

describe('PluginRegistry', () => {
  test('built-ins: layer2 with alias arp, and bgp', () => {
    const r = createPluginRegistry();
    expect(r.installed()).toEqual(['layer2', 'bgp']);
    expect(r.canonical('arp')).toBe('layer2');
    expect(r.canonical('layer2')).toBe('layer2');
    expect(r.canonical('bgp')).toBe('bgp');
    expect(r.canonical('vxlan')).toBeUndefined();
  });

  test('rejects a protocol or alias registered twice, naming the owner', () => {
    const r = new PluginRegistry();
    r.register(fakePlugin('layer2', ['arp']));
    expect(() => r.register(fakePlugin('myarp', ['arp']))).toThrow(/"arp" is already provided by plugin "layer2"/);
    expect(r.installed()).toEqual(['layer2']);
    expect(r.get('myarp')).toBeUndefined();
  });

  test('rejects another plugin API version', () => {
    const r = new PluginRegistry();
    expect(() => r.register(fakePlugin('future', [], 2))).toThrow(PluginLoadError);
    expect(() => r.register(fakePlugin('future', [], 2))).toThrow(/plugin API v2.*supports v1/);
  });

  test('rejects bad protocol names', () => {
    expect(() => new PluginRegistry().register(fakePlugin('Bad Name'))).toThrow(/lower-case/);
  });

  test('loads a third-party module from default export, plugin export or module itself', () => {
    const mods: Record<string, unknown> = {
      a: { default: fakePlugin('alpha') },
      b: { plugin: fakePlugin('beta') },
      c: fakePlugin('gamma'),
      d: { nothing: true },
    };
    const req = (id: string): unknown => {
      if (!(id in mods)) throw new Error(`Cannot find module '${id}'`);
      return mods[id];
    };
    const r = new PluginRegistry();
    expect(r.loadModule('a', req).protocol).toBe('alpha');
    expect(r.loadModule('b', req).protocol).toBe('beta');
    expect(r.loadModule('c', req).protocol).toBe('gamma');
    expect(() => r.loadModule('d', req)).toThrow(/exports no announcement plugin/);
    expect(() => r.loadModule('missing', req)).toThrow(/cannot load plugin module "missing"/);
    expect(r.installed()).toEqual(['alpha', 'beta', 'gamma']);
  });
});
