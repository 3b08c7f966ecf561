// The plugin testkit's conformance suite: a conforming plugin passes, and each kind of contract breach is reported.
import {
  describeConformance,
  formatConformanceReport,
  makePool,
  runConformance,
  type ConformanceCheckName,
  type ConformanceOptions,
  type ConformanceReport,
} from '../../../src/plugin-testkit';
import good from '../../fixtures/plugins/conformance/good-plugin';
import * as broken from '../../fixtures/plugins/conformance/broken-plugins';
import type { AnnouncerPlugin } from '../../../src/core/plugin-api';

const v4Pools = (protocol: string) => [
  makePool('office', protocol, { addresses: ['192.0.2.0/28'] }),
  makePool('lab', protocol, { addresses: ['198.51.100.0/28', '198.51.100.64-198.51.100.70'] }),
];
const goodOptions: ConformanceOptions = {
  plugin: good,
  pools: v4Pools(good.protocol),
  invalidPools: [makePool('v6', good.protocol, { addresses: ['2001:db8::/124'] })],
};

// The jest glue, as a plugin author uses it: one passing test per check.
describeConformance({ ...goodOptions, title: 'describeConformance on a conforming plugin' });

function failing(report: ConformanceReport): ConformanceCheckName[] {
  return report.checks.filter((c) => !c.passed).map((c) => c.name);
}
function problemsOf(report: ConformanceReport, name: ConformanceCheckName): string {
  return (report.checks.find((c) => c.name === name)?.problems ?? []).join('\n');
}
async function run(plugin: AnnouncerPlugin, extra: Partial<ConformanceOptions> = {}): Promise<ConformanceReport> {
  return runConformance({ plugin, settleMs: 30, ...extra });
}

test('a conforming plugin passes every check, and the calls follow the lifecycle order', async () => {
  const report = await runConformance(goodOptions);
  expect(formatConformanceReport(report)).toContain('conforms');
  expect(failing(report)).toEqual([]);
  const t = report.trace;
  expect(t[0]).toBe('create(ctx)');
  expect(t[1]).toBe('setConfig(initial)');
  expect(t.indexOf('shouldAnnounce(svc-0, office)')).toBeLessThan(t.indexOf('setBalancer(conformance/svc-0)'));
  expect(t.indexOf('setBalancer(conformance/svc-0)')).toBeLessThan(t.indexOf('deleteBalancer(conformance/svc-0)'));
  expect(t.filter((c) => c.startsWith('shutdown()'))).toHaveLength(2);
  expect(t.lastIndexOf('create(ctx)')).toBe(t.length - 2);
});

test('a non-idempotent setBalancer is reported with the state that changed', async () => {
  const report = await run(broken.notIdempotentSet);
  expect(failing(report)).toEqual(['idempotent setBalancer']);
  expect(problemsOf(report, 'idempotent setBalancer')).toMatch(/differs after a second identical setBalancer/);
});

test('a deleteBalancer that throws when called twice is reported', async () => {
  const report = await run(broken.notIdempotentDelete);
  expect(failing(report)).toEqual(['idempotent deleteBalancer']);
  expect(problemsOf(report, 'idempotent deleteBalancer')).toMatch(/deleteBalancer\(conformance\/svc-0\) again threw: Error: conformance\/svc-0 is not announced/);
});

test('a timer left running after shutdown is reported with where the plugin created it', async () => {
  const report = await run(broken.leaksTimer);
  expect(failing(report)).toEqual(['shutdown releases everything']);
  expect(problemsOf(report, 'shutdown releases everything')).toMatch(/still open after shutdown: Timeout created at .*broken-plugins\.ts:\d+/);
});

test('using the context after shutdown and an onChange subscription left behind are reported', async () => {
  const late = await run(broken.usesContextAfterShutdown);
  expect(failing(late)).toEqual(['shutdown releases everything']);
  expect(problemsOf(late, 'shutdown releases everything')).toMatch(/used the context after shutdown: log info "shut down"/);
  const sub = await run(broken.keepsSubscription);
  expect(failing(sub)).toEqual(['shutdown releases everything']);
  expect(problemsOf(sub, 'shutdown releases everything')).toMatch(/1 cluster.onChange subscription\(s\) left after shutdown \(instance shut down right after create\)/);
});

test('validate issues without a path or a message, or no error for an invalid pool, are reported', async () => {
  const bad = makePool('bad', 'x', { labels: { bad: 'yes' } });
  const unlocated = await run(broken.unlocatedIssues, { invalidPools: [bad] });
  expect(failing(unlocated)).toEqual(['validate returns located issues']);
  expect(problemsOf(unlocated, 'validate returns located issues')).toMatch(/is not located: path must be a string/);
  expect(problemsOf(unlocated, 'validate returns located issues')).toMatch(/message must be a non-empty string/);
  const accepts = await run(broken.acceptsInvalid, { invalidPools: [bad] });
  expect(problemsOf(accepts, 'validate returns located issues')).toBe('validate accepted the invalid pool "bad" (no issue of severity "error")');
});

test('a plugin that fails when a pool is removed fails "config changes"', async () => {
  const report = await run(broken.failsOnPoolRemoval);
  expect(failing(report)).toEqual(['config changes']);
  expect(problemsOf(report, 'config changes')).toMatch(/setConfig\(pool "conformance-b" removed\) threw: Error: cannot remove pool conformance-b/);
});

test('a call that never settles is cut at the time limit and reported', async () => {
  const report = await run(broken.hangsInSetConfig, { callTimeoutMs: 50 });
  expect(failing(report)).toContain('lifecycle order');
  expect(problemsOf(report, 'lifecycle order')).toMatch(/setConfig\(initial\) did not settle within 50 ms/);
});

test('a wrong apiVersion fails "plugin shape" and nothing else runs', async () => {
  const report = await run(broken.wrongApiVersion);
  expect(problemsOf(report, 'plugin shape')).toMatch(/apiVersion is 99/);
  expect(problemsOf(report, 'lifecycle order')).toMatch(/not run/);
  expect(report.passed).toBe(false);
});

test('an author-supplied observe and cleanupCheck take part', async () => {
  const leftovers = ['route 192.0.2.1 via table 100'];
  const report = await runConformance({ ...goodOptions, observe: () => ({ constant: true }), cleanupCheck: () => leftovers });
  expect(failing(report)).toEqual(['shutdown releases everything']);
  expect(problemsOf(report, 'shutdown releases everything')).toContain('left behind after shutdown: route 192.0.2.1 via table 100');
});
