// SpeakerState: keeps the last good config, sets MetalLB's stale/loaded gauges, publishes its state when it changes.
import { Registry } from 'prom-client';
import type { ComponentState } from '../../../src/core/component-state';
import type { Config, ConfigIssue } from '../../../src/core/config/model';
import { silentLogger } from '../../../src/core/log';
import type { PluginStatus } from '../../../src/core/plugin-api';
import { hostInterfaces, SpeakerState } from '../../../src/core/speaker/speaker-state';

const good = { pools: [{ name: 'a' }] } as unknown as Config;
const other = { pools: [{ name: 'b' }] } as unknown as Config;
const bad: ConfigIssue = { severity: 'error', file: 'configmap/metallb-system/config', path: 'address-pools[0].addresses[0]', message: '"x" is not a CIDR' };

async function gauge(reg: Registry, name: string): Promise<number | undefined> {
  const m = (await reg.getMetricsAsJSON()).find((x) => x.name === name) as { values: Array<{ value: number }> } | undefined;
  return m?.values[0]?.value;
}

function setup(plugins: Record<string, PluginStatus> = {}): { state: SpeakerState; reports: ComponentState[]; reg: Registry; plugins: Record<string, PluginStatus> } {
  const reports: ComponentState[] = [];
  const reg = new Registry();
  const state = new SpeakerState({
    nodeName: 'node-a',
    metrics: reg,
    logger: silentLogger(),
    plugins: () => plugins,
    interfaces: () => [{ name: 'eth0', cidrs: ['192.168.1.10/24'] }],
    sink: { report: async (s) => void reports.push(JSON.parse(JSON.stringify(s)) as ComponentState) },
  });
  return { state, reports, reg, plugins };
}

describe('SpeakerState', () => {
  it('accepts a valid config: loaded 1, stale 0, Valid with node and interfaces', async () => {
    const { state, reports, reg } = setup();
    expect(await gauge(reg, 'metallb_k8s_client_config_loaded_bool')).toBe(0);
    expect(await state.offer({ config: good, issues: [] })).toBe(good);
    expect(state.current()).toBe(good);
    expect(await gauge(reg, 'metallb_k8s_client_config_loaded_bool')).toBe(1);
    expect(await gauge(reg, 'metallb_k8s_client_config_stale_bool')).toBe(0);
    expect(reports.at(-1)).toMatchObject({ valid: true, errors: [], details: { node: 'node-a', interfaces: [{ name: 'eth0', cidrs: ['192.168.1.10/24'] }] } });
    expect(reports.at(-1)?.conditions?.find((c) => c.type === 'ConfigValid')).toMatchObject({ status: 'True', reason: 'Valid' });
  });

  it('rejects an invalid config: keeps the last good one, stale 1, Invalid with the located error; a fix clears it', async () => {
    const { state, reports, reg } = setup();
    await state.offer({ config: good, issues: [] });
    expect(await state.offer({ issues: [bad] })).toBeUndefined();
    expect(state.current()).toBe(good);
    expect(await gauge(reg, 'metallb_k8s_client_config_stale_bool')).toBe(1);
    expect(reports.at(-1)).toMatchObject({ valid: false, errors: ['configmap/metallb-system/config:address-pools[0].addresses[0]: "x" is not a CIDR'] });
    expect(reports.at(-1)?.conditions?.find((c) => c.type === 'ConfigValid')).toMatchObject({ status: 'False', reason: 'Invalid' });
    expect(await state.offer({ config: other, issues: [] })).toBe(other);
    expect(await gauge(reg, 'metallb_k8s_client_config_stale_bool')).toBe(0);
    expect(reports.at(-1)?.valid).toBe(true);
  });

  it('publishes plugin health and details, and only again when they change', async () => {
    const { state, reports, plugins } = setup({ layer2: { healthy: true, details: { members: ['node-a', 'node-b'] } } });
    await state.offer({ config: good, issues: [] });
    const n = reports.length;
    await state.publish();
    expect(reports).toHaveLength(n);
    plugins.layer2 = { healthy: false, message: 'memberlist: bind failed', details: { members: ['node-a'] } };
    await state.publish();
    expect(reports).toHaveLength(n + 1);
    expect(reports.at(-1)?.details).toMatchObject({ plugins: { layer2: { healthy: false, details: { members: ['node-a'] } } } });
    expect(reports.at(-1)?.conditions?.find((c) => c.type === 'PluginsHealthy')).toMatchObject({ status: 'False', message: 'layer2: memberlist: bind failed' });
  });

  it('a failing sink is logged, never thrown', async () => {
    const reg = new Registry();
    const state = new SpeakerState({ nodeName: 'n', metrics: reg, logger: silentLogger(), plugins: () => ({}), sink: { report: async () => Promise.reject(new Error('HTTP 403')) } });
    await expect(state.offer({ config: good, issues: [] })).resolves.toBe(good);
  });
});

describe('SpeakerState live conditions', () => {
  function live(plugins: Record<string, PluginStatus>, peers: string[]) {
    const reg = new Registry();
    const warnings: string[] = [];
    const reports: ComponentState[] = [];
    const state = new SpeakerState({
      nodeName: 'node-a',
      metrics: reg,
      logger: silentLogger(),
      plugins: () => plugins,
      interfaces: () => [],
      peers: async () => peers.map((node) => ({ node, lastUpdate: new Date().toISOString() })),
      sink: { report: async (s) => void reports.push(s), warn: (reason, message) => void warnings.push(`${reason}: ${message}`) },
    });
    return { state, reg, warnings, reports };
  }

  it('MemberlistReachable False names the reporting speakers the memberlist does not see; Warning once; gauge 0', async () => {
    const plugins: Record<string, PluginStatus> = { layer2: { healthy: true, details: { members: ['node-a', 'node-b'] } } };
    const { state, reg, warnings, reports } = live(plugins, ['node-a', 'node-b', 'node-c']);
    await state.offer({ config: good, issues: [] });
    const cond = reports.at(-1)?.conditions?.find((c) => c.type === 'MemberlistReachable');
    expect(cond).toMatchObject({ status: 'False', reason: 'SpeakersUnreachable', message: expect.stringContaining('does not see node-c') });
    expect(warnings).toEqual([expect.stringMatching(/^SpeakersUnreachable: memberlist does not see node-c/)]);
    await state.publish();
    expect(warnings).toHaveLength(1);
    expect(await reg.metrics()).toContain('metallbts_condition{type="MemberlistReachable"} 0');
    plugins.layer2 = { healthy: true, details: { members: ['node-a', 'node-b', 'node-c'] } };
    await state.publish();
    expect(reports.at(-1)?.conditions?.find((c) => c.type === 'MemberlistReachable')?.status).toBe('True');
    expect(await reg.metrics()).toContain('metallbts_condition{type="MemberlistReachable"} 1');
  });

  it('BGPSessionsEstablished False lists the sessions that are down', async () => {
    const { state, reports } = live({ bgp: { healthy: true, details: { sessions: [{ peer: 'r1', state: 'Active', lastError: 'connection refused' }, { peer: 'r2', state: 'Established' }] } } }, []);
    await state.offer({ config: good, issues: [] });
    expect(reports.at(-1)?.conditions?.find((c) => c.type === 'BGPSessionsEstablished')).toMatchObject({ status: 'False', message: 'r1: Active (connection refused)' });
  });
});

describe('hostInterfaces', () => {
  it('reports LAN subnets only: no loopback, kube-ipvs0 VIPs or /32 host addresses', () => {
    const os = jest.requireActual<typeof import('node:os')>('node:os');
    const spy = jest.spyOn(os, 'networkInterfaces').mockReturnValue({
      lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '00:00:00:00:00:00', internal: true, cidr: '127.0.0.1/8' }],
      eth0: [
        { address: '192.168.1.10', netmask: '255.255.255.0', family: 'IPv4', mac: '02:00:00:00:01:0a', internal: false, cidr: '192.168.1.10/24' },
        { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', mac: '02:00:00:00:01:0a', internal: false, cidr: 'fe80::1/64', scopeid: 2 },
        { address: '192.168.1.240', netmask: '255.255.255.255', family: 'IPv4', mac: '02:00:00:00:01:0a', internal: false, cidr: '192.168.1.240/32' },
      ],
      'kube-ipvs0': [{ address: '192.168.2.204', netmask: '255.255.255.255', family: 'IPv4', mac: '02:00:00:00:00:01', internal: false, cidr: '192.168.2.204/24' }],
    });
    try {
      expect(hostInterfaces()).toEqual([{ name: 'eth0', cidrs: ['192.168.1.10/24'] }]);
    } finally {
      spy.mockRestore();
    }
  });
});
