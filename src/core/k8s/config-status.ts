// Records whether the configuration is valid on a ConfigurationState object (metallb.io), as MetalLB does.
import type { ConfigStatusSink } from '../controller/ports';
import type { KubeClients } from './kube-clients';
import { apiStatusCode, MERGE_PATCH } from './kube-clients';

export class KubeConfigStatusSink implements ConfigStatusSink {
  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
    private readonly name: string,
  ) {}

  async report(state: { valid: boolean; errors: string[] }): Promise<void> {
    const ref = { group: 'metallb.io', version: 'v1beta1', namespace: this.namespace, plural: 'configurationstates', name: this.name };
    try {
      await this.clients.custom.getNamespacedCustomObject(ref);
    } catch (err) {
      if (apiStatusCode(err) !== 404) throw err;
      await this.clients.custom.createNamespacedCustomObject({
        ...ref,
        body: { apiVersion: 'metallb.io/v1beta1', kind: 'ConfigurationState', metadata: { name: this.name, namespace: this.namespace }, spec: {} },
      });
    }
    const status = {
      result: state.valid ? 'Valid' : 'Invalid',
      errorSummary: state.errors.join('\n'),
      lastUpdate: new Date().toISOString(),
    };
    await this.clients.custom.patchNamespacedCustomObjectStatus({ ...ref, body: { status } }, MERGE_PATCH);
  }
}
