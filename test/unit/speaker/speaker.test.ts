import { Registry } from 'prom-client';
import { Speaker } from '../../../src/core/speaker/speaker';
import { PluginRegistry } from '../../../src/core/plugins/registry';
import { silentLogger } from '../../../src/core/log';
import type { ClusterView } from '../../../src/core/plugin-api';
import { recordingPlugin, type RecordingPlugin } from '../../support/recording-plugin';
import { config, pool, service } from '../../support/fixtures';
import { recordedEvents } from '../../support/recorded-events';

const cluster: ClusterView = { node: () => undefined, nodes: () => [], endpoints: () => [], onChange: () => () => undefined };

function setup(opts: { lbClass?: string; pluginCallTimeoutMs?: number } = {}) {
  const l2 = recordingPlugin('layer2', ['arp']);
  const bgp = recordingPlugin('bgp');
  const registry = new PluginRegistry();
  registry.register(l2);
  registry.register(bgp);
  const { events, recorder } = recordedEvents();
  const metrics = new Registry();
  const speaker = new Speaker({ nodeName: 'node-a', registry, logger: silentLogger(), metrics, cluster, events: recorder, loadBalancerClass: opts.lbClass, pluginCallTimeoutMs: opts.pluginCallTimeoutMs });
  return { speaker, l2, bgp, events, metrics, registry };
}

const tutorial = config(pool('my-ip-space', ['192.168.1.240-192.168.1.250'], ['layer2']));
const balancerCalls = (p: RecordingPlugin) => p.calls.filter((c) => c.op !== 'setConfig');

describe('Speaker loop', () => {
  test('tutorial: nginx with 192.168.1.240 is announced by layer2, with nodeAssigned event and metric', async () => {
    const { speaker, l2, bgp, events, metrics } = setup();
    await speaker.setConfig(tutorial);
    await speaker.upsertService(service('nginx', { ingressIPs: ['192.168.1.240'] }));
    expect(balancerCalls(l2)).toEqual([{ op: 'setBalancer', service: 'default/nginx', ips: ['192.168.1.240'], pool: 'my-ip-space' }]);
    expect(bgp.calls).toEqual([]);
    expect(events).toEqual([
      { type: 'Normal', service: 'default/nginx', reason: 'nodeAssigned', message: 'announcing from node "node-a" with protocol "layer2"' },
    ]);
    const text = await metrics.metrics();
    expect(text).toContain('metallb_speaker_announced{service="default/nginx",protocol="layer2",node="node-a",ip="192.168.1.240"} 1');
  });

  test('a protocol no pool uses any more still gets the new config (its peers go away)', async () => {
    const { speaker, l2, bgp } = setup();
    await speaker.setConfig(config(pool('bgp-space', ['198.51.100.0/24'], ['bgp'])));
    const before = bgp.calls.filter((c) => c.op === 'setConfig').length;
    await speaker.setConfig(tutorial);
    expect(bgp.calls.filter((c) => c.op === 'setConfig')).toHaveLength(before + 1);
    expect(l2.calls.filter((c) => c.op === 'setConfig')).toHaveLength(1);
  });

  test('no IP, not LoadBalancer, IP outside pools: nothing announced', async () => {
    const { speaker, l2 } = setup();
    await speaker.setConfig(tutorial);
    await speaker.upsertService(service('a'));
    await speaker.upsertService(service('b', { type: 'ClusterIP', ingressIPs: ['192.168.1.241'] }));
    await speaker.upsertService(service('c', { ingressIPs: ['10.9.9.9'] }));
    expect(balancerCalls(l2)).toEqual([]);
  });

  test('shouldAnnounce false withdraws a previous announcement', async () => {
    const { speaker, l2 } = setup();
    await speaker.setConfig(tutorial);
    const svc = service('nginx', { ingressIPs: ['192.168.1.240'] });
    await speaker.upsertService(svc);
    l2.decide = () => ({ announce: false, reason: 'another node owns it' });
    await speaker.upsertService(svc);
    expect(balancerCalls(l2).map((c) => c.op)).toEqual(['setBalancer', 'deleteBalancer']);
    expect(speaker.announcements(svc)).toEqual({});
  });

  test('delete and type change withdraw; metric removed', async () => {
    const { speaker, l2, metrics } = setup();
    await speaker.setConfig(tutorial);
    await speaker.upsertService(service('nginx', { ingressIPs: ['192.168.1.240'] }));
    await speaker.upsertService(service('web', { ingressIPs: ['192.168.1.241'] }));
    await speaker.deleteService({ namespace: 'default', name: 'nginx' });
    await speaker.upsertService(service('web', { type: 'NodePort', ingressIPs: ['192.168.1.241'] }));
    expect(balancerCalls(l2).map((c) => `${c.op} ${c.service}`)).toEqual([
      'setBalancer default/nginx',
      'setBalancer default/web',
      'deleteBalancer default/nginx',
      'deleteBalancer default/web',
    ]);
    expect(await metrics.metrics()).not.toContain('ip="192.168.1.240"');
  });

  test('config change: IP leaves every pool → withdrawn; pool protocol change moves it to another plugin', async () => {
    const { speaker, l2, bgp } = setup();
    await speaker.setConfig(tutorial);
    const svc = service('nginx', { ingressIPs: ['192.168.1.240'] });
    await speaker.upsertService(svc);
    await speaker.setConfig(config(pool('my-ip-space', ['192.168.1.240-192.168.1.250'], ['bgp'])));
    expect(balancerCalls(l2).map((c) => c.op)).toEqual(['setBalancer', 'deleteBalancer']);
    expect(balancerCalls(bgp).map((c) => c.op)).toEqual(['setBalancer']);
    await speaker.setConfig(config(pool('other', ['10.0.0.0/24'], ['bgp'])));
    expect(balancerCalls(bgp).map((c) => c.op)).toEqual(['setBalancer', 'deleteBalancer']);
  });

  test('a pool announced by both layer2 and bgp (CRD form) goes to both plugins', async () => {
    const { speaker, l2, bgp } = setup();
    await speaker.setConfig(config(pool('both', ['192.168.1.240/28'], ['layer2', 'bgp'])));
    await speaker.upsertService(service('nginx', { ingressIPs: ['192.168.1.240'] }));
    expect(balancerCalls(l2)).toHaveLength(1);
    expect(balancerCalls(bgp)).toHaveLength(1);
  });

  test('loadBalancerClass: only matching services', async () => {
    const { speaker, l2 } = setup({ lbClass: 'metallbts' });
    await speaker.setConfig(tutorial);
    await speaker.upsertService(service('none', { ingressIPs: ['192.168.1.240'] }));
    await speaker.upsertService(service('other', { loadBalancerClass: 'other', ingressIPs: ['192.168.1.241'] }));
    await speaker.upsertService(service('ours', { loadBalancerClass: 'metallbts', ingressIPs: ['192.168.1.242'] }));
    expect(balancerCalls(l2).map((c) => c.service)).toEqual(['default/ours']);
  });

  test('a plugin that throws in create is isolated: the other plugin keeps announcing', async () => {
    const { speaker, l2, bgp } = setup();
    bgp.failOn = { create: 'boom at create' };
    await speaker.setConfig(config(pool('l2', ['192.168.1.240/29'], ['layer2']), pool('b', ['192.168.1.248/29'], ['bgp'])));
    await speaker.upsertService(service('x', { ingressIPs: ['192.168.1.240'] }));
    await speaker.upsertService(service('y', { ingressIPs: ['192.168.1.248'] }));
    expect(balancerCalls(l2)).toHaveLength(1);
    expect(speaker.pluginStatus().bgp).toEqual({ healthy: false, message: 'boom at create' });
    expect(speaker.pluginStatus().layer2).toEqual({ healthy: true });
  });

  test('setBalancer failure records announceFailed warning and is retried on next event', async () => {
    const { speaker, l2, events } = setup();
    await speaker.setConfig(tutorial);
    l2.failOn = { setBalancer: 'no interface' };
    const svc = service('nginx', { ingressIPs: ['192.168.1.240'] });
    await speaker.upsertService(svc);
    expect(events).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'announceFailed', message: expect.stringContaining('no interface') }),
    ]);
    l2.failOn = undefined;
    await speaker.upsertService(svc);
    expect(balancerCalls(l2).map((c) => c.op)).toEqual(['setBalancer']);
  });

  test('a plugin can request a resync (e.g. membership change)', async () => {
    const { speaker, l2 } = setup();
    await speaker.setConfig(tutorial);
    const svc = service('nginx', { ingressIPs: ['192.168.1.240'] });
    l2.decide = () => ({ announce: false, reason: 'not owner' });
    await speaker.upsertService(svc);
    expect(balancerCalls(l2)).toHaveLength(0);
    l2.decide = () => ({ announce: true, reason: 'owner now' });
    l2.ctx?.requestResync('member left');
    await new Promise((r) => setTimeout(r, 20));
    expect(balancerCalls(l2).map((c) => c.op)).toEqual(['setBalancer']);
  });

  test('alias protocol names in pools resolve (arp → layer2 plugin)', async () => {
    const { speaker, l2, registry } = setup();
    expect(registry.canonical('arp')).toBe('layer2');
    await speaker.setConfig(config(pool('old', ['192.168.1.240/28'], ['layer2'])));
    await speaker.upsertService(service('nginx', { ingressIPs: ['192.168.1.240'] }));
    expect(balancerCalls(l2)).toHaveLength(1);
  });

  test('a hung plugin call times out like a failure and does not stall the other protocol', async () => {
    const { speaker, bgp, events } = setup({ pluginCallTimeoutMs: 50 });
    await speaker.setConfig(config(pool('l2', ['192.168.1.240/29'], ['layer2']), pool('b', ['192.168.1.248/29'], ['bgp'])));
    // layer2's setBalancer never resolves.
    (speaker as unknown as { slots: Map<string, { announcer: { setBalancer: () => Promise<void> } }> }).slots.get('layer2')!.announcer.setBalancer = () => new Promise<void>(() => undefined);
    await speaker.upsertService(service('x', { ingressIPs: ['192.168.1.240'] }));
    await speaker.upsertService(service('y', { ingressIPs: ['192.168.1.248'] }));
    expect(events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'announceFailed', message: expect.stringContaining('did not finish within 50 ms') }));
    expect(balancerCalls(bgp).map((c) => c.service)).toEqual(['default/y']);
  });
});
