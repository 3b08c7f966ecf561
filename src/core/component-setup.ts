// What the controller and the speaker both start with: their logger, metrics registry, API clients and
// the one queue their watch events are handled on.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { clientMetrics } from './client-metrics';
import { KubeClients } from './k8s/kube-clients';
import type { Logger } from './log';
import { SerialQueue } from './serial-queue';

export interface ComponentSetup {
  log: Logger;
  metrics: Registry;
  clients: KubeClients;
  queue: SerialQueue;
}

export function componentSetup(logger: Logger, bindings: Record<string, string>, kubeconfig: string | undefined): ComponentSetup {
  const log = logger.child(bindings);
  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics });
  const clients = new KubeClients(kubeconfig);
  const queue = new SerialQueue(
    (err) => log.error({ event: 'reconcileFailed', error: (err as Error).message }, 'event handling failed'),
    (label, ms) => log.warn({ event: 'slowEvent', job: label, ms }, 'event handling is slow; later events wait behind it'),
  );
  const counters = clientMetrics(metrics);
  queue.observe((ok) => {
    counters.updates.inc();
    if (!ok) counters.updateErrors.inc();
  });
  return { log, metrics, clients, queue };
}
