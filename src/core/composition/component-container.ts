// What the controller and the speaker both hold: logger, metrics registry, API clients, event queue, health
// server; registered lazily so an entry a test or plugin overrides is never built.
import 'reflect-metadata';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { container as rootContainer, instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import { clientMetrics } from '../client-metrics';
import type { LoadOptions } from '../config';
import { HealthServer } from '../http/health-server';
import { KubeClients } from '../k8s/kube-clients';
import type { Logger } from '../log';
import { SerialQueue } from '../serial-queue';
import { TOKENS } from './tokens';

export interface ComponentInputs {
  logger: Logger;
  /** Bound on every line of the component's logger (`caller`, and `node` for a speaker). */
  bindings: Record<string, string>;
  kubeconfig?: string;
  namespace: string;
  configOptions: LoadOptions;
}

/** A child of tsyringe's root container holding one component's shared pieces. */
export function componentContainer(inputs: ComponentInputs, parent: DependencyContainer = rootContainer): DependencyContainer {
  const c = parent.createChildContainer();
  c.register(TOKENS.rootLogger, { useValue: inputs.logger });
  c.register(TOKENS.namespace, { useValue: inputs.namespace });
  c.register(TOKENS.configOptions, { useValue: inputs.configOptions });
  c.register(TOKENS.log, { useFactory: instanceCachingFactory((d) => d.resolve(TOKENS.rootLogger).child(inputs.bindings)) });
  c.register(TOKENS.metrics, {
    useFactory: instanceCachingFactory(() => {
      const metrics = new Registry();
      collectDefaultMetrics({ register: metrics });
      return metrics;
    }),
  });
  c.register(KubeClients, { useFactory: instanceCachingFactory(() => new KubeClients(inputs.kubeconfig)) });
  c.register(TOKENS.eventQueue, {
    useFactory: instanceCachingFactory((d) => {
      const log = d.resolve(TOKENS.log);
      const queue = new SerialQueue(
        (err) => log.error({ event: 'reconcileFailed', error: (err as Error).message }, 'event handling failed'),
        (label, ms) => log.warn({ event: 'slowEvent', job: label, ms }, 'event handling is slow; later events wait behind it'),
      );
      // metallb_k8s_client_updates_total / update_errors_total: every handled update, and those that failed.
      const counters = clientMetrics(d.resolve(TOKENS.metrics));
      queue.observe((ok) => {
        counters.updates.inc();
        if (!ok) counters.updateErrors.inc();
      });
      return queue;
    }),
  });
  c.register(TOKENS.healthEndpoint, { useFactory: (d) => (checks) => new HealthServer(d.resolve(TOKENS.metrics), checks) });
  return c;
}
