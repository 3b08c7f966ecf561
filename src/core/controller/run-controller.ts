// Wires the controller to the Kubernetes API: config + Services in, status + Events out, metrics served.
import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import type * as k8s from '@kubernetes/client-node';
import { buildConfig, type LoadOptions } from '../config';
import { HealthServer } from '../http/health-server';
import { Allocator } from '../ipam/allocator';
import { ConfigSnapshotReader } from '../k8s/config-snapshot';
import { KubeConfigSource } from '../k8s/config-source';
import { COMPONENT_TYPE_LABEL, KubeConfigStatusSink } from '../k8s/config-status';
import { KubeEventRecorder } from '../k8s/event-recorder';
import { ensureMemberlistSecret } from '../k8s/memberlist-secret';
import { KubeNamespaceLabels } from '../k8s/namespace-labels';
import { KubeServiceStatusWriter } from '../k8s/service-status-writer';
import { toServiceView } from '../k8s/service-view';
import { ViewWatch } from '../k8s/view-watch';
import type { Logger } from '../log';
import type { ServiceView } from '../service';
import { componentSetup } from '../component-setup';
import { Controller } from './controller';

export interface ControllerRunOptions {
  kubeconfig?: string;
  namespace: string;
  loadBalancerClass?: string;
  metricsPort: number;
  metricsHost?: string;
  logger: Logger;
  /** Installed protocols and plugin validators (from the plugin registry). */
  configOptions: LoadOptions;
}

export interface RunningController {
  controller: Controller;
  metricsPort: number;
  stop(): Promise<void>;
}

export async function runController(opts: ControllerRunOptions): Promise<RunningController> {
  // Live data is small (compact views) but a full sync makes much garbage: V8's default heap growth
  // (up to 4× live) held ~50 MB more RSS at 10k Services. The flag is read at each GC, so it applies.
  setFlagsFromString('--optimize-for-size');
  const { log, metrics, clients, queue } = componentSetup(opts.logger, { caller: 'controller' }, opts.kubeconfig);
  let synced = false;
  let configSeen = false;

  const health = new HealthServer(metrics, {
    healthy: () => true,
    ready: () => {
      const reasons: string[] = [];
      if (!synced) reasons.push('initial sync not done');
      if (!controller.currentConfig()) reasons.push('no valid configuration loaded');
      return { ready: reasons.length === 0, reasons };
    },
  });
  const metricsPort = await health.listen(opts.metricsPort, opts.metricsHost);

  try {
    if (await ensureMemberlistSecret(clients, opts.namespace)) {
      log.info({ event: 'secretCreated', secret: 'memberlist' }, 'created the memberlist Secret');
    }
  } catch (err) {
    log.warn({ event: 'secretCreateFailed', error: (err as Error).message }, 'could not ensure the memberlist Secret');
  }

  const namespaces = new KubeNamespaceLabels(clients, log, (ns) => {
    // Namespace labels feed serviceAllocation.namespaceSelectors: re-evaluate that namespace's Services.
    if (!synced) return;
    for (const s of services.items()) {
      if (s.namespace === ns) void queue.push(() => controller.upsertService(s));
    }
  });
  const allocator = new Allocator([], { namespaceLabels: (ns) => namespaces.get(ns) });
  const events = new KubeEventRecorder(clients, 'metallb-controller', log);
  const stateSink = new KubeConfigStatusSink(clients, opts.namespace, 'controller', { [COMPONENT_TYPE_LABEL]: 'controller' });
  const controller = new Controller({
    allocator,
    status: new KubeServiceStatusWriter(clients),
    events,
    configStatus: stateSink,
    stateWarning: (reason, message) => {
      const ref = stateSink.objectRef();
      if (ref) events.onObject(ref, 'Warning', reason, message);
    },
    logger: opts.logger,
    metrics,
    loadBalancerClass: opts.loadBalancerClass,
    runExclusive: (job) => queue.push(job),
    writeConcurrency: 16,
  });

  const reader = new ConfigSnapshotReader(opts.namespace);
  const configSource = new KubeConfigSource(
    clients,
    opts.namespace,
    (snap) => {
      configSeen = true;
      void queue.push(async () => {
        await controller.setConfig(buildConfig(reader.objects(snap), opts.configOptions));
      });
    },
    log,
  );
  // Only compact views are cached: the controller never needs a Service's full object.
  const services = new ViewWatch<k8s.V1Service, ServiceView>({
    kc: clients.kc,
    path: '/api/v1/services',
    list: (page) => clients.core.listServiceForAllNamespaces(page),
    view: toServiceView,
    upsert: (s) => void queue.push(() => controller.upsertService(s)),
    remove: (s) => void queue.push(() => controller.deleteService(s)),
    log,
  });

  await namespaces.start();
  await configSource.start();
  await services.start();
  await queue.drain();
  await queue.push(() => controller.initialSync(services.items()));
  synced = true;
  log.info({ event: 'syncDone', services: controller.serviceCount(), configLoaded: !!controller.currentConfig(), configSeen }, 'initial sync done');

  return {
    controller,
    metricsPort,
    async stop() {
      await Promise.allSettled([services.stop(), configSource.stop(), namespaces.stop()]);
      await queue.drain();
      await controller.flush();
      controller.stop();
      await health.close();
    },
  };
}
