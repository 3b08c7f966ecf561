// The one place a load result is accepted or rejected, for the controller and the speaker alike: the last good config stays on errors.
import type { Registry } from 'prom-client';
import { clientMetrics, type ClientMetrics } from '../client-metrics';
import type { Logger } from '../log';
import type { LoadResult } from './load';
import { formatIssue, type Config } from './model';

export class ConfigAcceptance {
  private config?: Config;
  private errorLines: string[] = [];
  private readonly m: ClientMetrics;

  constructor(
    private readonly log: Logger,
    metrics: Registry,
  ) {
    this.m = clientMetrics(metrics);
  }

  /** The configuration in force (the last valid one). */
  current(): Config | undefined {
    return this.config;
  }

  /** Why the latest configuration was rejected (empty when it was accepted). */
  errors(): string[] {
    return this.errorLines;
  }

  /** Logs warnings, then returns the config when it is accepted or undefined when rejected (logged, gauges set). */
  offer(result: LoadResult): Config | undefined {
    for (const w of result.issues.filter((i) => i.severity === 'warning')) this.log.warn({ event: 'configWarning' }, formatIssue(w));
    const errors = result.issues.filter((i) => i.severity === 'error').map(formatIssue);
    if (errors.length > 0 || !result.config) {
      this.m.configStale.set(1);
      this.errorLines = errors.length > 0 ? errors : ['configuration could not be built'];
      for (const line of this.errorLines) this.log.error({ event: 'configStale', error: line }, 'invalid configuration rejected, keeping the last good one');
      return undefined;
    }
    this.config = result.config;
    this.errorLines = [];
    this.m.configStale.set(0);
    this.m.configLoaded.set(1);
    this.log.info({ event: 'configLoaded', pools: result.config.pools.map((p) => p.name) }, 'config (re)loaded');
    return result.config;
  }
}
