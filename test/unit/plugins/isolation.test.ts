// Third-party plugins in worker threads: each broken fixture leaves the speaker and layer2 working, shows, and recovers.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { Registry } from 'prom-client';
import { createLogger } from '../../../src/core/log';
import type { ClusterView } from '../../../src/core/plugin-api';
import { isolatedPlugin, type IsolatedPlugin } from '../../../src/core/plugins/isolated-plugin';
import type { IsolatedAnnouncerApi } from '../../../src/core/plugins/isolated-announcer';
import { isolationFromEnv, type IsolationOptions } from '../../../src/core/plugins/isolation-options';
import { PluginLoadError, PluginRegistry } from '../../../src/core/plugins/registry';
import { Speaker, type SpeakerDeps } from '../../../src/core/speaker/speaker';
import { loadConfig } from '../../../src/core/config';
import { configOptionsFor } from '../../../src/cli/config-options';
import { loadPlugins } from '../../../src/cli/builtin-plugins';
import { recordingPlugin } from '../../support/recording-plugin';
import { config, pool, service } from '../../support/fixtures';
import { recordedEvents } from '../../support/recorded-events';

const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'plugins');
const faultDir = mkdtempSync(join(tmpdir(), 'plugiso-'));
process.env.METALLBTS_FIXTURE_FAULT_DIR = faultDir;
const faultOn = (protocol: string): void => writeFileSync(join(faultDir, protocol), '');
const faultOff = (protocol: string): void => rmSync(join(faultDir, protocol), { force: true });

// Short limits so faults are found and cleared quickly; the heap limit is small so a leak ends fast.
const FAST: Partial<IsolationOptions> = { callTimeoutMs: 3000, quickTimeoutMs: 1000, loadTimeoutMs: 15_000, backoffInitialMs: 100, backoffMaxMs: 400, heartbeatMs: 300, maxOldGenerationSizeMb: 32 };

const NODE = { name: 'node-a', labels: {}, networkUnavailable: false, addresses: ['192.168.1.10'] };

const L2_SVC = service('l2-web', { ingressIPs: ['192.168.1.240'] });
const EXT_SVC = service('ext-web', { ingressIPs: ['192.168.2.240'] });

async function until<T>(what: string, get: () => T | undefined | false | Promise<T | undefined | false>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

interface SetupExtra {
  declaredProtocol?: string;
  options?: Record<string, unknown>;
  secret?: SpeakerDeps['secret'];
  serviceStatus?: SpeakerDeps['serviceStatus'];
}

function setup(protocol: string, extra: SetupExtra = {}) {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  const logger = createLogger({ destination: sink, level: 'debug' });
  const l2 = recordingPlugin('layer2');
  const registry = new PluginRegistry();
  registry.register(l2);
  const plugin = isolatedPlugin(join(FIXTURES, `${protocol}.ts`), { ...FAST, declaredProtocol: extra.declaredProtocol });
  registry.register(plugin);
  const { events, recorder } = recordedEvents();
  const metrics = new Registry();
  const listeners = new Set<() => void>();
  const cluster: ClusterView = {
    node: (name) => (name === 'node-a' ? NODE : undefined),
    nodes: () => [NODE],
    endpoints: () => [{ addresses: ['10.244.0.10'], nodeName: 'node-a', ready: true, serving: true, terminating: false }],
    onChange: (cb) => {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  };
  const speaker = new Speaker({
    secret: extra.secret,
    serviceStatus: extra.serviceStatus,
    nodeName: 'node-a',
    registry,
    logger,
    metrics,
    cluster,
    events: recorder,
    pluginOptions: { [protocol]: extra.options ?? {} },
  });
  const cfg = config(pool('l2', ['192.168.1.240/28'], ['layer2']), pool('ext', ['192.168.2.240/28'], [protocol]));
  const l2Announced = (): boolean => l2.calls.some((c) => c.op === 'setBalancer' && c.service === 'default/l2-web');
  const extAnnounced = (): boolean => !!speaker.announcements(EXT_SVC)[protocol];
  const status = () => speaker.pluginStatus()[protocol];
  const metric = async (text: string): Promise<boolean> => (await metrics.metrics()).includes(text);
  const changeCluster = (): void => listeners.forEach((cb) => cb());
  return { speaker, l2, plugin, events, lines, metrics, cfg, l2Announced, extAnnounced, status, metric, changeCluster };
}

type Setup = ReturnType<typeof setup>;
let current: Setup | undefined;

afterEach(async () => {
  await current?.speaker.shutdown();
  current = undefined;
  for (const p of ['throw-set-balancer', 'hang-should-announce', 'crash-at-import', 'reject-set-config', 'leak-memory', 'hang-validate']) faultOff(p);
});

afterAll(() => rmSync(faultDir, { recursive: true, force: true }));

describe('isolated third-party plugins', () => {
  jest.setTimeout(60_000);

  test('a healthy plugin works across the boundary: calls, status, options, logs with protocol, its own metrics', async () => {
    const s = (current = setup('throw-set-balancer', { options: { color: 'blue' } }));
    await s.speaker.setConfig(s.cfg);
    await s.speaker.upsertService(EXT_SVC);
    expect(s.extAnnounced()).toBe(true);
    const details = await until('status from the worker after setBalancer', () => {
      const d = s.status()?.details as { balancers?: Record<string, unknown> } | undefined;
      return d?.balancers?.['default/ext-web'] ? d : undefined;
    });
    expect(details).toMatchObject({ configs: 1, balancers: { 'default/ext-web': ['192.168.2.240'] }, node: 'node-a', options: { color: 'blue' } });
    const configLine = await until('the plugin log line', () => s.lines.find((l) => l.event === 'fixtureConfig'));
    expect(configLine).toMatchObject({ protocol: 'throw-set-balancer', caller: 'plugin/throw-set-balancer', pools: ['ext'] });
    await until('forwarded plugin metric', () => s.metric('fixture_throw_set_balancer_set_balancer_total 1'));
    expect(await s.metric('metallbts_plugin_up{protocol="throw-set-balancer"} 1')).toBe(true);
  });

  test('every PluginContext feature crosses the boundary: events, service status, secrets, cluster view, resync', async () => {
    const statuses: string[] = [];
    let secretValue = 's3cret';
    const s = (current = setup('context-probe', {
      secret: (name, key) => (name === 'memberlist' && key === 'secretkey' ? secretValue : undefined),
      serviceStatus: () => ({ set: (k, st) => statuses.push(`set ${k.name} ${JSON.stringify(st)}`), delete: (k) => statuses.push(`delete ${k.name}`) }),
    }));
    await s.speaker.setConfig(s.cfg);
    await s.speaker.upsertService(EXT_SVC);
    // The first call misses the secret (the worker asks for it); the answer and the plugin's requestResync bring a second call.
    const details = await until('the probe saw the secret', () => {
      const d = s.status()?.details as Record<string, unknown> | undefined;
      return d?.secret === 's3cret' ? d : undefined;
    });
    expect(details).toMatchObject({ nodes: ['node-a'], node: ['192.168.1.10'], endpoints: ['node-a'], aborted: false });
    expect(s.events).toContainEqual({ type: 'Normal', service: 'default/ext-web', reason: 'ProbeAnnounced', message: 'announcing 192.168.2.240' });
    expect(statuses).toContain('set ext-web {"ips":["192.168.2.240"]}');
    s.changeCluster();
    await until('the cluster change seen in the worker', () => ((s.status()?.details as { clusterChanges?: number } | undefined)?.clusterChanges ?? 0) >= 1);
    await s.speaker.deleteService(EXT_SVC);
    await until('the status delete', () => statuses.includes('delete ext-web'));
    // A rotated Secret reaches the worker's ctx.secret (it caches what it got) at the next heartbeat.
    secretValue = 'rotated';
    await until('the rotated secret in the worker', () => ((s.status()?.details as { liveSecret?: string } | undefined)?.liveSecret === 'rotated' ? true : undefined));
  });

  test('throws in setBalancer: Warning event, failure counted and logged, layer2 unaffected; retried once the fault clears', async () => {
    const s = (current = setup('throw-set-balancer'));
    faultOn('throw-set-balancer');
    await s.speaker.setConfig(s.cfg);
    await s.speaker.upsertService(EXT_SVC);
    await s.speaker.upsertService(L2_SVC);
    expect(s.l2Announced()).toBe(true);
    expect(s.extAnnounced()).toBe(false);
    expect(s.events).toContainEqual(expect.objectContaining({ type: 'Warning', service: 'default/ext-web', reason: 'announceFailed', message: expect.stringContaining('setBalancer exploded') }));
    expect(s.lines).toContainEqual(expect.objectContaining({ event: 'announceFailed', protocol: 'throw-set-balancer' }));
    expect(await s.metric('metallbts_plugin_failures_total{protocol="throw-set-balancer",reason="rejected"}')).toBe(true);
    faultOff('throw-set-balancer');
    await until('the retry after the fault cleared', () => s.extAnnounced());
  });

  test('while(true) in shouldAnnounce: the call is cut, the worker terminated and restarted; layer2 keeps going', async () => {
    const s = (current = setup('hang-should-announce'));
    await s.speaker.setConfig(s.cfg);
    faultOn('hang-should-announce');
    await s.speaker.upsertService(EXT_SVC);
    await s.speaker.upsertService(L2_SVC);
    expect(s.l2Announced()).toBe(true);
    expect(s.extAnnounced()).toBe(false);
    expect(s.status()).toMatchObject({ healthy: false, message: expect.stringContaining('shouldAnnounce did not finish within 1000 ms') });
    expect(await s.metric('metallbts_plugin_failures_total{protocol="hang-should-announce",reason="timeout"} 1')).toBe(true);
    expect(await s.metric('metallbts_plugin_up{protocol="hang-should-announce"} 0')).toBe(true);
    expect(s.lines).toContainEqual(expect.objectContaining({ event: 'pluginFailed', protocol: 'hang-should-announce', reason: 'timeout' }));
    faultOff('hang-should-announce');
    await until('the restarted plugin announcing', () => s.extAnnounced());
    expect(s.status()).toMatchObject({ healthy: true });
    expect(await s.metric('metallbts_plugin_restarts_total{protocol="hang-should-announce"}')).toBe(true);
    expect(await s.metric('metallbts_plugin_up{protocol="hang-should-announce"} 1')).toBe(true);
  });

  test('crash at import: with its protocol declared its pools fail, the speaker runs, and it loads once fixed', async () => {
    faultOn('crash-at-import');
    expect(() => isolatedPlugin(join(FIXTURES, 'crash-at-import.ts'), FAST)).toThrow(PluginLoadError);
    const s = (current = setup('crash-at-import', { declaredProtocol: 'crash-at-import' }));
    expect(s.plugin.loadError).toMatch(/crashed at import/);
    await s.speaker.setConfig(s.cfg);
    await s.speaker.upsertService(L2_SVC);
    await s.speaker.upsertService(EXT_SVC);
    expect(s.l2Announced()).toBe(true);
    expect(s.status()).toMatchObject({ healthy: false, message: expect.stringContaining('crashed at import') });
    expect(await s.metric('metallbts_plugin_failures_total{protocol="crash-at-import",reason="import"}')).toBe(true);
    faultOff('crash-at-import');
    await until('the plugin loaded and announcing', () => s.extAnnounced());
    const details = await until('status', () => s.status()?.details as Record<string, unknown> | undefined);
    expect(details).toMatchObject({ configs: 1 });
  });

  test('rejects in setConfig: restarted with backoff, then gets the config and every balancer again', async () => {
    const s = (current = setup('reject-set-config'));
    await s.speaker.setConfig(s.cfg);
    await s.speaker.upsertService(EXT_SVC);
    expect(s.extAnnounced()).toBe(true);
    faultOn('reject-set-config');
    await s.speaker.setConfig(s.cfg);
    expect(s.status()).toMatchObject({ healthy: false, message: expect.stringContaining('setConfig refused') });
    expect(s.events).toContainEqual(expect.objectContaining({ type: 'Warning', service: 'default/ext-web', reason: 'PluginFailed' }));
    await until('a restart attempt that failed again', async () => s.metric('metallbts_plugin_failures_total{protocol="reject-set-config",reason="rejected"} 2'));
    await s.speaker.upsertService(L2_SVC);
    expect(s.l2Announced()).toBe(true);
    faultOff('reject-set-config');
    const details = await until('the plugin back with its state', () => (s.status()?.healthy ? (s.status()?.details as Record<string, unknown>) : undefined));
    // A fresh worker: one config and the balancer it had, replayed without the speaker asking.
    expect(details).toMatchObject({ configs: 1, balancers: { 'default/ext-web': ['192.168.2.240'] } });
  });

  test('allocates without bound: the heap limit ends the worker, not the speaker', async () => {
    const s = (current = setup('leak-memory'));
    await s.speaker.setConfig(s.cfg);
    faultOn('leak-memory');
    await s.speaker.upsertService(EXT_SVC);
    await s.speaker.upsertService(L2_SVC);
    expect(s.l2Announced()).toBe(true);
    await until('the memory failure counted', () => s.metric('metallbts_plugin_failures_total{protocol="leak-memory",reason="memory"} 1'));
    expect(s.status()).toMatchObject({ healthy: false, message: expect.stringContaining('memory limit') });
    faultOff('leak-memory');
    await until('the restarted plugin announcing', () => s.extAnnounced());
  });
});

describe('the isolated announcer on its own (no speaker resync)', () => {
  test('after a restart the new worker gets the last config and every balancer from the announcer itself', async () => {
    const resyncs: string[] = [];
    const abort = new AbortController();
    const announcer = isolatedPlugin(join(FIXTURES, 'hang-should-announce.ts'), FAST).create({
      nodeName: 'node-a',
      logger: createLogger({ destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
      metrics: new Registry(),
      cluster: { node: () => undefined, nodes: () => [], endpoints: () => [], onChange: () => () => undefined },
      events: { normal: () => undefined, warning: () => undefined },
      signal: abort.signal,
      requestResync: (reason) => resyncs.push(reason),
      options: {},
      secret: () => undefined,
      serviceStatus: { set: () => undefined, delete: () => undefined },
    }) as IsolatedAnnouncerApi;
    try {
      await announcer.setConfig({ protocol: 'hang-should-announce', pools: [], peers: [], bgpAdvertisements: [], l2Advertisements: [], pluginAdvertisements: [], communityAliases: {} });
      await announcer.setBalancer(EXT_SVC, EXT_SVC.ingressIPs, 'ext', EXT_SVC);
      faultOn('hang-should-announce');
      await expect(announcer.decide(EXT_SVC, 'ext')).rejects.toThrow(/did not finish within 1000 ms/);
      expect(announcer.downReason()).toMatch(/reason timeout/);
      faultOff('hang-should-announce');
      const details = await until('the new worker healthy with its replayed state', () => {
        const st = announcer.status();
        return st.healthy && st.details ? (st.details as Record<string, unknown>) : undefined;
      });
      expect(details).toMatchObject({ configs: 1, balancers: { 'default/ext-web': ['192.168.2.240'] } });
      expect(resyncs).toEqual(['plugin "hang-should-announce" restarted']);
    } finally {
      await announcer.shutdown();
    }
  });
});

describe('what cannot cross the boundary', () => {
  test('arguments that cannot be cloned fail that call only; the worker keeps running', async () => {
    const s = (current = setup('throw-set-balancer'));
    await s.speaker.setConfig(s.cfg);
    const odd = { ...EXT_SVC, annotations: { note: (() => 'x') as unknown as string } };
    await s.speaker.upsertService(odd);
    expect(s.events).toContainEqual(expect.objectContaining({ type: 'Warning', reason: 'announceFailed', message: expect.stringContaining('cannot be sent to the worker') }));
    await s.speaker.upsertService(EXT_SVC);
    expect(s.extAnnounced()).toBe(true);
    expect(await s.metric('metallbts_plugin_up{protocol="throw-set-balancer"} 1')).toBe(true);
  });
});

describe('isolated validate (controller, metallbts validate)', () => {
  const text = (protocol: string): string => `address-pools:\n- name: ext\n  protocol: ${protocol}\n  addresses: [192.168.2.0/24]\n`;

  test('the plugin validate runs in its worker and its issues are located at the pool', () => {
    const registry = new PluginRegistry();
    registry.register(isolatedPlugin(join(FIXTURES, 'static-route-plugin.ts'), FAST));
    const bad = `address-pools:\n- name: ext\n  protocol: static-route\n  addresses: [192.168.2.1-192.168.2.9]\n`;
    const result = loadConfig([{ file: 'cfg.yaml', text: bad }], configOptionsFor(registry));
    expect(result.config).toBeUndefined();
    expect(result.issues).toContainEqual(expect.objectContaining({ severity: 'error', file: 'cfg.yaml', message: 'static-route pools take CIDR prefixes, not ranges' }));
  });

  test('a validate that hangs is cut at its limit: a located error, and the caller keeps running', () => {
    const registry = new PluginRegistry();
    registry.register(isolatedPlugin(join(FIXTURES, 'hang-validate.ts'), FAST));
    faultOn('hang-validate');
    const result = loadConfig([{ file: 'cfg.yaml', text: text('hang-validate') }], configOptionsFor(registry));
    expect(result.config).toBeUndefined();
    expect(result.issues).toContainEqual(
      expect.objectContaining({ severity: 'error', file: 'cfg.yaml', message: expect.stringMatching(/plugin "hang-validate" failed to validate the pool: .*validate did not answer within 1000 ms/) }),
    );
  });

  test('on the speaker (config already checked by the controller) a validate that cannot answer is a warning', () => {
    const registry = new PluginRegistry();
    registry.register(isolatedPlugin(join(FIXTURES, 'hang-validate.ts'), { ...FAST, validateFailure: 'warning' }));
    faultOn('hang-validate');
    const result = loadConfig([{ file: 'cfg.yaml', text: text('hang-validate') }], configOptionsFor(registry));
    expect(result.config).toBeDefined();
    expect(result.issues).toContainEqual(expect.objectContaining({ severity: 'warning', message: expect.stringContaining('could not validate the pool') }));
  });
});

describe('loading --plugin modules (the speaker and controller commands)', () => {
  const crash = join(FIXTURES, 'crash-at-import.ts');

  test('a module that cannot load is reported and left out, or stands for its declared protocol', () => {
    faultOn('crash-at-import');
    const failures: string[] = [];
    const left = loadPlugins([crash], undefined, { isolation: FAST, onLoadError: (m, err) => failures.push(`${m}: ${err.message}`) });
    expect(left.registry.get('crash-at-import')).toBeUndefined();
    expect(failures).toEqual([expect.stringMatching(/crash-at-import\.ts: cannot load plugin module .*crashed at import/)]);
    const declared = loadPlugins([crash], undefined, { isolation: FAST, declared: new Map([[crash, 'crash-at-import']]), onLoadError: () => undefined });
    expect(declared.protocolOfModule.get(crash)).toBe('crash-at-import');
    expect((declared.registry.get('crash-at-import') as IsolatedPlugin).loadError).toMatch(/crashed at import/);
    // Without a handler (metallbts validate, plan) the failure is the caller's error.
    expect(() => loadPlugins([crash], undefined, { isolation: FAST })).toThrow(PluginLoadError);
  });

  test('a declared protocol that differs from the module\'s is refused', () => {
    expect(() => isolatedPlugin(join(FIXTURES, 'throw-set-balancer.ts'), { ...FAST, declaredProtocol: 'something-else' })).toThrow(/provides protocol "throw-set-balancer", but "something-else" was declared/);
  });

  test('limits from the environment: numbers taken, anything else named', () => {
    expect(isolationFromEnv({ METALLBTS_PLUGIN_CALL_TIMEOUT_MS: '250', METALLBTS_PLUGIN_MAX_OLD_MB: '64' })).toEqual({ callTimeoutMs: 250, maxOldGenerationSizeMb: 64 });
    expect(() => isolationFromEnv({ METALLBTS_PLUGIN_BACKOFF_MAX_MS: '1s' })).toThrow('METALLBTS_PLUGIN_BACKOFF_MAX_MS must be a positive integer, got "1s"');
  });
});
