// ConfigAcceptance: the one accept/reject decision the controller and the speaker share (logs once, gauges, last good config).
import { PassThrough } from 'node:stream';
import { Registry } from 'prom-client';
import { ConfigAcceptance } from '../../../src/core/config/acceptance';
import { emptyConfig, type Config } from '../../../src/core/config/model';
import { createLogger } from '../../../src/core/log';

function setup(): { acceptance: ConfigAcceptance; lines: Array<Record<string, unknown>>; metrics: Registry } {
  const out = new PassThrough();
  const lines: Array<Record<string, unknown>> = [];
  out.on('data', (d: Buffer) => d.toString().split('\n').filter(Boolean).forEach((l) => lines.push(JSON.parse(l) as Record<string, unknown>)));
  const metrics = new Registry();
  return { acceptance: new ConfigAcceptance(createLogger({ destination: out }), metrics), lines, metrics };
}

const gauge = async (metrics: Registry, name: string): Promise<number | undefined> => (await metrics.getSingleMetric(name)?.get())?.values[0]?.value;
const flush = (): Promise<void> => new Promise((r) => setImmediate(r));

test('an accepted config is current, logged once as configLoaded, and sets the loaded gauge', async () => {
  const { acceptance, lines, metrics } = setup();
  const config: Config = { ...emptyConfig(), pools: [] };
  expect(acceptance.offer({ config, issues: [] })).toBe(config);
  await flush();
  expect(acceptance.current()).toBe(config);
  expect(acceptance.errors()).toEqual([]);
  expect(lines.filter((l) => l.event === 'configLoaded')).toHaveLength(1);
  expect(await gauge(metrics, 'metallb_k8s_client_config_loaded_bool')).toBe(1);
  expect(await gauge(metrics, 'metallb_k8s_client_config_stale_bool')).toBe(0);
});

test('a rejected config keeps the last good one, logs each error once as configStale and marks the config stale', async () => {
  const { acceptance, lines, metrics } = setup();
  const good = emptyConfig();
  acceptance.offer({ config: good, issues: [] });
  const issue = { severity: 'error' as const, path: 'address-pools[0].addresses[0]', message: 'bad range', file: 'config' };
  const warning = { severity: 'warning' as const, path: 'peers[0]', message: 'odd', file: 'config' };
  expect(acceptance.offer({ issues: [issue, warning] })).toBeUndefined();
  await flush();
  expect(acceptance.current()).toBe(good);
  expect(acceptance.errors()).toHaveLength(1);
  expect(acceptance.errors()[0]).toContain('bad range');
  expect(lines.filter((l) => l.event === 'configStale').map((l) => l.error)).toEqual(acceptance.errors());
  expect(lines.filter((l) => l.event === 'configWarning')).toHaveLength(1);
  expect(await gauge(metrics, 'metallb_k8s_client_config_stale_bool')).toBe(1);
});

test('a result with neither config nor errors is rejected with a reason', () => {
  const { acceptance } = setup();
  expect(acceptance.offer({ issues: [] })).toBeUndefined();
  expect(acceptance.errors()).toEqual(['configuration could not be built']);
});
