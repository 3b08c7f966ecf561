// Jest glue: registers the conformance suite as one test per check, using the runner's globals (no jest import).
import { CONFORMANCE_CHECKS, runConformance, type ConformanceOptions, type ConformanceReport } from './conformance';

/** The test-runner globals the glue needs (jest's; vitest and mocha with `beforeAll`-style hooks fit too). */
interface RunnerGlobals {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => void | Promise<void>): void;
  beforeAll(fn: () => Promise<void>, timeoutMs?: number): void;
}

/** Options of {@link describeConformance}: the suite's, plus the `describe` title and the time the whole run may take. */
export interface DescribeConformanceOptions extends ConformanceOptions {
  /** The `describe` block's title (default `plugin "<protocol>" conforms to the plugin API`). */
  title?: string;
  /** Time limit for the whole suite run, in the `beforeAll` hook (default 60 000 ms). */
  timeoutMs?: number;
}

/**
 * Declares the conformance suite in a jest test file: the suite runs once (in `beforeAll`) and each check of
 * {@link CONFORMANCE_CHECKS} is its own test, failing with the problems found. Call at the top level of the file.
 *
 * @example
 * ```ts
 * import { describeConformance } from 'metallbts/plugin-testkit';
 * import plugin from '../src/index';
 * describeConformance({ plugin, options: { url: 'http://127.0.0.1:9' } });
 * ```
 */
export function describeConformance(opts: DescribeConformanceOptions): void {
  const g = globalThis as unknown as Partial<RunnerGlobals>;
  if (typeof g.describe !== 'function' || typeof g.it !== 'function' || typeof g.beforeAll !== 'function') {
    throw new Error('describeConformance needs a test runner with describe/it/beforeAll globals (jest); elsewhere call runConformance()');
  }
  const { describe, it, beforeAll } = g as RunnerGlobals;
  const protocol = typeof opts.plugin?.protocol === 'string' ? opts.plugin.protocol : '(no protocol)';
  describe(opts.title ?? `plugin "${protocol}" conforms to the plugin API`, () => {
    let report: ConformanceReport | undefined;
    let failure: unknown;
    beforeAll(async () => {
      try {
        report = await runConformance(opts);
      } catch (err) {
        failure = err;
      }
    }, opts.timeoutMs ?? 60_000);
    for (const name of CONFORMANCE_CHECKS) {
      it(name, () => {
        if (failure !== undefined) throw failure;
        const check = report?.checks.find((c) => c.name === name);
        if (!check) throw new Error(`the conformance suite did not run (${name})`);
        if (!check.passed) throw new Error(`${name}:\n  - ${check.problems.join('\n  - ')}\n\ncalls made: ${report?.trace.join(' → ')}`);
      });
    }
  });
}
