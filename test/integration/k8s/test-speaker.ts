// Starts a speaker in-process against a test apiserver: silent logs, metrics on an ephemeral loopback port.
import { BUILTIN_PROTOCOLS, type LoadOptions } from '../../../src/core/config';
import { silentLogger } from '../../../src/core/log';
import type { PluginRegistry } from '../../../src/core/plugins/registry';
import { runSpeaker, type RunningSpeaker } from '../../../src/core/speaker/run-speaker';
import { NAMESPACE } from '../../support/metallb-system';

/** The speaker of `nodeName` as its ServiceAccount (`kubeconfig`), watching metallb-system with `registry`'s plugins. */
export function startTestSpeaker(kubeconfig: string, nodeName: string, registry: PluginRegistry,
  configOptions: LoadOptions = BUILTIN_PROTOCOLS): Promise<RunningSpeaker> {
  return runSpeaker({
    kubeconfig,
    namespace: NAMESPACE,
    nodeName,
    metricsPort: 0,
    metricsHost: '127.0.0.1',
    logger: silentLogger(),
    registry,
    configOptions,
  });
}
