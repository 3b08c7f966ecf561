// Starts the controller in-process against a test apiserver: silent logs, metrics on an ephemeral loopback port.
import { runController, type RunningController } from '../../src/core/controller/run-controller';
import { silentLogger } from '../../src/core/log';
import { BUILTIN_PROTOCOLS } from '../../src/core/config';
import { installMetallbSystem, NAMESPACE, type ControlPlaneAccess, type RbacOptions } from './metallb-system';

/** The controller as its ServiceAccount (`kubeconfig`), watching metallb-system with the built-in protocols. */
export function startTestController(kubeconfig: string): Promise<RunningController> {
  return runController({ kubeconfig, namespace: NAMESPACE, metricsPort: 0, metricsHost: '127.0.0.1', logger: silentLogger(), configOptions: BUILTIN_PROTOCOLS });
}

/** How most apiserver tests begin: metallb-system installed, `objects` applied, the controller started. */
export async function startControllerWith(
  cp: ControlPlaneAccess,
  objects: string,
  rbac: RbacOptions = {},
): Promise<{ kubeconfigs: { controller: string; speaker: string }; controller: RunningController }> {
  const kubeconfigs = await installMetallbSystem(cp, rbac);
  await cp.kubectlOk(['apply', '-f', '-'], { input: objects });
  return { kubeconfigs, controller: await startTestController(kubeconfigs.controller) };
}
