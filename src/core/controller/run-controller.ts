// Wires the controller to the Kubernetes API: config + Services in, status + Events out, metrics served.
import 'reflect-metadata';
import { setFlagsFromString } from 'node:v8';
import type { DependencyContainer } from 'tsyringe';
import { buildConfig } from '../config';
import { TOKENS } from '../composition/tokens';
import { Allocator } from '../ipam/allocator';
import { ConfigSnapshotReader } from '../k8s/config-snapshot';
import { Controller } from './controller';
import { controllerContainer, type ControllerRunOptions } from './controller-container';

export type { ControllerRunOptions } from './controller-container';

export interface RunningController {
  controller: Controller;
  metricsPort: number;
  stop(): Promise<void>;
}

/**
 * Starts the controller from its container; `configure` may register replacements (fakes in tests)
 * before anything is resolved.
 */
export async function runController(opts: ControllerRunOptions, configure?: (c: DependencyContainer) => void): Promise<RunningController> {
  // Live data is small (compact views) but a full sync makes much garbage: V8's default heap growth
  // (up to 4× live) held ~50 MB more RSS at 10k Services. The flag is read at each GC, so it applies.
  setFlagsFromString('--optimize-for-size');
  const c = controllerContainer(opts);
  configure?.(c);
  const log = c.resolve(TOKENS.log);
  const metrics = c.resolve(TOKENS.metrics);
  const queue = c.resolve(TOKENS.eventQueue);
  const kube = c.resolve(TOKENS.controllerKube);
  const configOptions = c.resolve(TOKENS.configOptions);
  let synced = false;
  let configSeen = false;

  const health = c.resolve(TOKENS.healthEndpoint)({
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
    const secret = opts.memberlistSecret ?? 'memberlist';
    if (await kube.ensureMemberlistSecret(secret)) {
      log.info({ event: 'secretCreated', secret }, 'created the memberlist Secret');
    }
  } catch (err) {
    log.warn({ event: 'secretCreateFailed', error: (err as Error).message }, 'could not ensure the memberlist Secret');
  }

  const namespaces = kube.namespaceLabels((ns) => {
    // Namespace labels feed serviceAllocation.namespaceSelectors: re-evaluate that namespace's Services.
    if (!synced) return;
    for (const s of services.items()) {
      if (s.namespace === ns) void queue.push(() => controller.upsertService(s));
    }
  });
  const allocator = new Allocator([], { namespaceLabels: (ns) => namespaces.get(ns) });
  const poolStatus = kube.poolStatus();
  const controller = new Controller({
    allocator,
    status: kube.statusWriter(),
    events: kube.events(),
    configStatus: kube.configStatus(),
    poolStatus,
    logger: c.resolve(TOKENS.rootLogger),
    metrics,
    loadBalancerClass: opts.loadBalancerClass,
    runExclusive: (job) => queue.push(job),
    writeConcurrency: 16,
  });

  const reader = new ConfigSnapshotReader(opts.namespace);
  const configSource = kube.configSource((snap) => {
    configSeen = true;
    void queue.push(async () => {
      await controller.setConfig(buildConfig(reader.objects(snap), configOptions));
    });
  });
  const services = kube.services({
    upsert: (s) => void queue.push(() => controller.upsertService(s)),
    remove: (s) => void queue.push(() => controller.deleteService(s)),
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
      await poolStatus.stop();
      await health.close();
    },
  };
}
