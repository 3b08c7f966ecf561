// Public entry `metallbts/plugin-testkit`: the conformance suite, a fake PluginContext and builders for plugin tests.
/**
 * Test a metallbts announcement plugin without a cluster: {@link describeConformance} (jest) or
 * {@link runConformance} (any runner) check the plugin against the contract of `metallbts/plugin-api`;
 * {@link createFakeContext} and the builders ({@link makePool}, {@link makeService}, {@link makeConfigView}, ...)
 * make the values the speaker would hand it, for your own unit tests. See docs/plugins.md, "Testing".
 *
 * @packageDocumentation
 */
export {
  CONFORMANCE_CHECKS,
  runConformance,
  formatConformanceReport,
  assertConformance,
  type ConformanceCheckName,
  type ConformanceCheckResult,
  type ConformanceOptions,
  type ConformanceReport,
  type ConformanceService,
} from './conformance';
export { describeConformance, type DescribeConformanceOptions } from './describe-conformance';
export {
  createFakeContext,
  type FakeContext,
  type FakeContextOptions,
  type LogLine,
  type RecordedEvent,
  type StatusCall,
} from './fake-context';
export { FakeCluster, makeNode, makeEndpoint } from './fake-cluster';
export {
  makeIpRange,
  makePool,
  poolAddress,
  makeConfig,
  makePoolConfigView,
  makeConfigView,
  makeService,
  keyOf,
  type PoolOptions,
  type ServiceOptions,
} from './builders';
export { issueProblems } from './static-checks';
export { ResourceTracker } from './resource-tracker';
