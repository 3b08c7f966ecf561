// Wires the speaker to the Kubernetes API: config, Services, Nodes and EndpointSlices in; plugins announce.
import 'reflect-metadata';
import type * as k8s from '@kubernetes/client-node';
import { buildConfig, type LoadOptions } from '../config';
import { HealthServer } from '../http/health-server';
import { KubeClusterView } from '../k8s/cluster-view';
import { ConfigSnapshotReader } from '../k8s/config-snapshot';
import { KubeConfigSource } from '../k8s/config-source';
import { COMPONENT_TYPE_LABEL, KubeConfigStatusSink, listSpeakerReports, NODE_NAME_LABEL } from '../k8s/config-status';
import { KubeEventRecorder } from '../k8s/event-recorder';
import { ResourceWatch } from '../k8s/resource-watch';
import { KubeSecretReader } from '../k8s/secret-reader';
import { KubeServiceStatusObjects, STATUS_KINDS } from '../k8s/service-status-objects';
import { toServiceView } from '../k8s/service-view';
import type { Logger } from '../log';
import type { ServiceView } from '../service';
import type { PluginRegistry } from '../plugins/registry';
import { componentSetup } from '../component-setup';
import { Speaker } from './speaker';
import { SpeakerState } from './speaker-state';

export interface SpeakerRunOptions {
  kubeconfig?: string;
  namespace: string;
  nodeName: string;
  loadBalancerClass?: string;
  metricsPort: number;
  metricsHost?: string;
  logger: Logger;
  registry: PluginRegistry;
  configOptions: LoadOptions;
  pluginOptions?: Record<string, Record<string, unknown>>;
}

export interface RunningSpeaker {
  speaker: Speaker;
  metricsPort: number;
  /** Withdraws everything (plugins hand over gracefully), then stops watching. */
  stop(): Promise<void>;
}

export async function runSpeaker(opts: SpeakerRunOptions): Promise<RunningSpeaker> {
  const { log, metrics, clients, queue } = componentSetup(opts.logger, { caller: 'speaker', node: opts.nodeName }, opts.kubeconfig);

  let synced = false;

  const secrets = new KubeSecretReader(clients, opts.namespace);
  await secrets.load(['memberlist']);
  const cluster = new KubeClusterView(clients, log, opts.namespace);
  const statusWriters: KubeServiceStatusObjects[] = [];
  for (const protocol of Object.keys(STATUS_KINDS)) {
    try {
      const removed = await new KubeServiceStatusObjects(clients, opts.namespace, opts.nodeName, protocol, log).removeStale();
      if (removed > 0) log.info({ event: 'staleStatusRemoved', protocol, count: removed }, 'removed status objects left by an earlier run of this speaker');
    } catch (err) {
      log.warn({ event: 'staleStatusFailed', protocol, error: (err as Error).message }, 'could not clean up old status objects');
    }
  }
  const events = new KubeEventRecorder(clients, 'metallb-speaker', log, opts.nodeName, { resolve: (key): ServiceView | undefined => speaker.service(key) });
  const speaker = new Speaker({
    nodeName: opts.nodeName,
    registry: opts.registry,
    logger: opts.logger.child({ node: opts.nodeName }),
    metrics,
    cluster,
    events,
    loadBalancerClass: opts.loadBalancerClass,
    pluginOptions: opts.pluginOptions,
    secret: (name, key) => secrets.get(name, key),
    serviceStatus: (protocol) => {
      const w = new KubeServiceStatusObjects(clients, opts.namespace, opts.nodeName, protocol, log);
      statusWriters.push(w);
      return w;
    },
    runExclusive: (job) => queue.push(job, 'plugin-requested resync'),
  });
  // ConfigurationState `speaker-<node>`, labelled as MetalLB labels its speakers' objects.
  const stateSink = new KubeConfigStatusSink(clients, opts.namespace, `speaker-${opts.nodeName}`, { [COMPONENT_TYPE_LABEL]: 'speaker', [NODE_NAME_LABEL]: opts.nodeName });
  const state = new SpeakerState({
    nodeName: opts.nodeName,
    metrics,
    logger: log,
    plugins: () => speaker.pluginStatus(),
    sink: stateSink,
    peers: () => listSpeakerReports(clients, opts.namespace),
    warn: (reason, message) => {
      const ref = stateSink.objectRef();
      if (ref) events.onObject(ref, 'Warning', reason, message);
    },
  });
  const health = new HealthServer(metrics, {
    healthy: () => true,
    ready: () => {
      const reasons: string[] = [];
      if (!synced) reasons.push('initial sync not done');
      if (!state.current()) reasons.push('no valid configuration loaded');
      for (const [protocol, st] of Object.entries(speaker.pluginStatus())) {
        if (!st.healthy) reasons.push(`plugin ${protocol}: ${st.message ?? 'unhealthy'}`);
      }
      return { ready: reasons.length === 0, reasons };
    },
  });
  const metricsPort = await health.listen(opts.metricsPort, opts.metricsHost);

  const reader = new ConfigSnapshotReader(opts.namespace);
  const configSource = new KubeConfigSource(
    clients,
    opts.namespace,
    (snap) => {
      void queue.push(async () => {
        const accepted = await state.offer(buildConfig(reader.objects(snap), opts.configOptions));
        if (accepted) await speaker.setConfig(accepted);
      }, 'config');
    },
    log,
  );
  const services = new ResourceWatch<k8s.V1Service>(
    clients.kc,
    '/api/v1/services',
    () => clients.core.listServiceForAllNamespaces(),
    {
      upsert: (s) => void queue.push(() => speaker.upsertService(toServiceView(s)), `service ${s.metadata?.namespace}/${s.metadata?.name}`),
      remove: (s) => void queue.push(() => speaker.deleteService({ namespace: s.metadata?.namespace ?? '', name: s.metadata?.name ?? '' }), `delete ${s.metadata?.namespace}/${s.metadata?.name}`),
    },
    log,
  );
  // A Node/EndpointSlice change during the initial sync is not dropped: a Service evaluated before it (e.g. no
  // endpoint yet) would otherwise never be looked at again. It is answered by one resync once the sync is done.
  let changedDuringSync = false;
  cluster.onChange(() => {
    if (synced) void queue.push(() => speaker.resyncAll(), 'resync after node/endpoint change');
    else changedDuringSync = true;
  });

  await cluster.start();
  await configSource.start();
  await services.start();
  await queue.drain();
  synced = true;
  if (changedDuringSync) void queue.push(() => speaker.resyncAll(), 'resync after node/endpoint changes during the initial sync');
  state.start();
  log.info({ event: 'syncDone', configLoaded: !!state.current() }, 'initial sync done');

  return {
    speaker,
    metricsPort,
    async stop() {
      await queue.push(() => speaker.shutdown());
      // Status deletes from the hand-over must reach the API before the process exits.
      await Promise.allSettled(statusWriters.map((w) => w.flush()));
      await Promise.allSettled([services.stop(), configSource.stop(), cluster.stop(), state.stop()]);
      await health.close();
    },
  };
}
