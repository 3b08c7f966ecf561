// The speaker's composition root: one container holding everything runSpeaker resolves.
import 'reflect-metadata';
import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import type { LoadOptions } from '../config';
import { componentContainer } from '../composition/component-container';
import { TOKENS } from '../composition/tokens';
import { KubeSpeakerAdapters } from '../k8s/speaker-kube';
import { KubeClients } from '../k8s/kube-clients';
import type { Logger } from '../log';
import { PluginRegistry } from '../plugins/registry';

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
  /** Secrets the plugins read with `ctx.secret`, loaded at start besides `memberlist`. */
  pluginSecrets?: string[];
  /** How often those Secrets are read again, so a rotation reaches `ctx.secret` (default 15 s). */
  secretRecheckMs?: number;
}

export function speakerContainer(opts: SpeakerRunOptions, parent?: DependencyContainer): DependencyContainer {
  const c = componentContainer(
    { logger: opts.logger, bindings: { caller: 'speaker', node: opts.nodeName }, kubeconfig: opts.kubeconfig, namespace: opts.namespace, configOptions: opts.configOptions },
    parent,
  );
  c.register(TOKENS.nodeName, { useValue: opts.nodeName });
  c.register(PluginRegistry, { useValue: opts.registry });
  c.register(TOKENS.speakerKube, {
    useFactory: instanceCachingFactory((d) => {
      // The API clients first: a bad kubeconfig then fails with its own error, not wrapped by the injector.
      d.resolve(KubeClients);
      return d.resolve(KubeSpeakerAdapters);
    }),
  });
  return c;
}
