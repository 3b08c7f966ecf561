// Metrics for isolated plugins (up, failures, restarts) and the plugin's own metrics forwarded from its worker.
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MetricInfo } from './isolation-protocol';
import type { FailureReason } from './plugin-worker-thread';

export interface PluginHealthMetrics {
  up: Gauge<'protocol'>;
  failures: Counter<'protocol' | 'reason'>;
  restarts: Counter<'protocol'>;
}

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

/** One set per registry, shared by every isolated plugin on it. */
export function pluginHealthMetrics(registry: Registry): PluginHealthMetrics {
  return {
    up:
      existing(registry, 'metallbts_plugin_up') ??
      new Gauge({ name: 'metallbts_plugin_up', help: 'Whether the third-party plugin\'s worker is running and answering (1) or failed (0).', labelNames: ['protocol'], registers: [registry] }),
    failures:
      existing(registry, 'metallbts_plugin_failures_total') ??
      new Counter({
        name: 'metallbts_plugin_failures_total',
        help: 'Third-party plugin failures by reason: import, crash, memory (heap limit), timeout (call cut), rejected (a call threw or rejected).',
        labelNames: ['protocol', 'reason'],
        registers: [registry],
      }),
    restarts:
      existing(registry, 'metallbts_plugin_restarts_total') ??
      new Counter({ name: 'metallbts_plugin_restarts_total', help: 'Times a third-party plugin\'s worker was started again after a failure.', labelNames: ['protocol'], registers: [registry] }),
  };
}

export function countFailure(m: PluginHealthMetrics, protocol: string, reason: FailureReason): void {
  m.failures.inc({ protocol, reason });
}

/** What a forwarder's `get` fetches: the worker's `metric.get()` for one name (undefined when it cannot answer). */
export type MetricFetch = (name: string) => Promise<unknown>;

/**
 * The plugin's metrics live in its worker's own registry; each name it registers gets a stand-in in the speaker's
 * registry whose `get()` asks the worker at scrape time (an unanswered scrape shows the metric without samples).
 */
export class ForwardedMetrics {
  private readonly names = new Set<string>();

  constructor(
    private readonly registry: Registry,
    private readonly fetch: MetricFetch,
    private readonly onClash: (name: string) => void,
  ) {}

  add(infos: MetricInfo[]): void {
    for (const info of infos) {
      if (this.names.has(info.name)) continue;
      this.names.add(info.name);
      if (this.registry.getSingleMetric(info.name)) {
        this.onClash(info.name);
        continue;
      }
      const empty = { name: info.name, help: info.help, type: info.type, values: [], aggregator: 'sum' };
      const stand = {
        name: info.name,
        help: info.help,
        type: info.type,
        aggregator: 'sum',
        get: async (): Promise<unknown> => {
          try {
            return (await this.fetch(info.name)) ?? empty;
          } catch {
            return empty;
          }
        },
        reset: () => undefined,
      };
      this.registry.registerMetric(stand as unknown as Parameters<Registry['registerMetric']>[0]);
    }
  }
}
