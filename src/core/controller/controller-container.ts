// The controller's composition root: one container holding everything runController resolves.
import 'reflect-metadata';
import { instanceCachingFactory, type DependencyContainer } from 'tsyringe';
import type { LoadOptions } from '../config';
import { componentContainer } from '../composition/component-container';
import { TOKENS } from '../composition/tokens';
import { KubeControllerAdapters } from '../k8s/controller-kube';
import { KubeClients } from '../k8s/kube-clients';
import type { Logger } from '../log';

export interface ControllerRunOptions {
  kubeconfig?: string;
  namespace: string;
  loadBalancerClass?: string;
  metricsPort: number;
  metricsHost?: string;
  /** The memberlist Secret created when missing (default `memberlist`). */
  memberlistSecret?: string;
  logger: Logger;
  /** Installed protocols and plugin validators (from the plugin registry). */
  configOptions: LoadOptions;
}

export function controllerContainer(opts: ControllerRunOptions, parent?: DependencyContainer): DependencyContainer {
  const c = componentContainer(
    { logger: opts.logger, bindings: { caller: 'controller' }, kubeconfig: opts.kubeconfig, namespace: opts.namespace, configOptions: opts.configOptions },
    parent,
  );
  c.register(TOKENS.controllerKube, {
    useFactory: instanceCachingFactory((d) => {
      // The API clients first: a bad kubeconfig then fails with its own error, not wrapped by the injector.
      d.resolve(KubeClients);
      return d.resolve(KubeControllerAdapters);
    }),
  });
  return c;
}
