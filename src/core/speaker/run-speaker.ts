// Wires the speaker to the Kubernetes API: config, Services, Nodes and EndpointSlices in; plugins announce.
import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import { buildConfig } from '../config';
import { TOKENS } from '../composition/tokens';
import { ConfigSnapshotReader } from '../k8s/config-snapshot';
import type { ConfigSnapshot } from '../k8s/config-source';
import type { NodeStatusObjects } from '../k8s/speaker-kube';
import { SECRET_RECHECK_MS } from '../k8s/secret-reader';
import { PluginRegistry } from '../plugins/registry';
import type { ServiceView } from '../service';
import { Speaker } from './speaker';
import { SpeakerState } from './speaker-state';
import { speakerContainer, type SpeakerRunOptions } from './speaker-container';

export type { SpeakerRunOptions } from './speaker-container';

export interface RunningSpeaker {
  speaker: Speaker;
  metricsPort: number;
  /** Withdraws everything (plugins hand over gracefully), then stops watching. */
  stop(): Promise<void>;
}

/**
 * Starts the speaker from its container; `configure` may register replacements (fakes in tests)
 * before anything is resolved.
 */
export async function runSpeaker(opts: SpeakerRunOptions, configure?: (c: DependencyContainer) => void): Promise<RunningSpeaker> {
  const c = speakerContainer(opts);
  configure?.(c);
  const log = c.resolve(TOKENS.log);
  const metrics = c.resolve(TOKENS.metrics);
  const queue = c.resolve(TOKENS.eventQueue);
  const kube = c.resolve(TOKENS.speakerKube);
  const configOptions = c.resolve(TOKENS.configOptions);

  let synced = false;

  const secrets = kube.secrets();
  await secrets.load([...new Set(['memberlist', ...(opts.pluginSecrets ?? [])])]);
  const secretRecheck = setInterval(() => {
    secrets.reload?.().then(
      (changed) => {
        if (changed.length > 0) log.info({ event: 'secretChanged', secrets: changed }, 'Secrets changed: ctx.secret returns the new values from now on');
      },
      (err: Error) => log.warn({ event: 'secretReloadFailed', error: err.message }, 'could not read Secrets again'),
    );
  }, opts.secretRecheckMs ?? SECRET_RECHECK_MS);
  secretRecheck.unref();
  const cluster = kube.cluster();
  const statusWriters: NodeStatusObjects[] = [];
  for (const protocol of kube.statusProtocols()) {
    try {
      const removed = await kube.serviceStatus(protocol).removeStale();
      if (removed > 0) log.info({ event: 'staleStatusRemoved', protocol, count: removed }, 'removed status objects left by an earlier run of this speaker');
    } catch (err) {
      log.warn({ event: 'staleStatusFailed', protocol, error: (err as Error).message }, 'could not clean up old status objects');
    }
  }
  const speaker = new Speaker({
    nodeName: opts.nodeName,
    registry: c.resolve(PluginRegistry),
    logger: c.resolve(TOKENS.rootLogger).child({ node: opts.nodeName }),
    metrics,
    cluster,
    events: kube.events((key): ServiceView | undefined => speaker.service(key)),
    loadBalancerClass: opts.loadBalancerClass,
    pluginOptions: opts.pluginOptions,
    secret: (name, key) => secrets.get(name, key),
    serviceStatus: (protocol) => {
      const w = kube.serviceStatus(protocol);
      statusWriters.push(w);
      return w;
    },
    runExclusive: (job) => queue.push(job, 'plugin-requested resync'),
  });
  // Last good config, stale/loaded gauges, ConfigurationState speaker-NODE with conditions (as the controller's).
  const state = new SpeakerState({ nodeName: opts.nodeName, metrics, logger: log, plugins: () => speaker.pluginStatus(), sink: kube.configState(), peers: () => kube.speakerReports() });
  const health = c.resolve(TOKENS.healthEndpoint)({
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
  let lastSnapshot: ConfigSnapshot | undefined;
  // BGPPeer passwordSecret: read (and re-read on rotation) before a config reaches the plugins.
  const passwordSecrets = kube.passwordSecrets?.(() => lastSnapshot && loadConfig(lastSnapshot));
  const loadConfig = (snap: ConfigSnapshot): void => {
    lastSnapshot = snap;
    void queue.push(async () => {
      const built = buildConfig(reader.objects(snap), configOptions);
      const result = built.config && passwordSecrets ? await passwordSecrets.resolve(built.config) : built;
      const accepted = await state.offer(result);
      if (accepted) await speaker.setConfig(accepted);
    }, 'config');
  };
  const configSource = kube.configSource(loadConfig);
  const services = kube.services({
    upsert: (s) => void queue.push(() => speaker.upsertService(s), `service ${s.namespace}/${s.name}`),
    remove: (k) => void queue.push(() => speaker.deleteService(k), `delete ${k.namespace}/${k.name}`),
  });
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
  // After that resync too: plugins now hold every Service of the initial sync.
  void queue.push(async () => speaker.markSynced(), 'initial sync handed to plugins');
  state.start();
  log.info({ event: 'syncDone', configLoaded: !!state.current() }, 'initial sync done');

  return {
    speaker,
    metricsPort,
    async stop() {
      await queue.push(() => speaker.shutdown());
      // Status deletes from the hand-over must reach the API before the process exits.
      await Promise.allSettled(statusWriters.map((w) => w.flush()));
      passwordSecrets?.stop();
      clearInterval(secretRecheck);
      await Promise.allSettled([services.stop(), configSource.stop(), cluster.stop(), state.stop()]);
      await health.close();
    },
  };
}
