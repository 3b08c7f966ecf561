// The legacy MetalLB ConfigMap the apiserver tests apply: layer2 pool my-ip-space, optionally more pools after it.
import { NAMESPACE } from './metallb-system';

/** `morePools`: further address-pools entries, already indented as list items under address-pools. */
export const layer2ConfigMap = (addresses: string, morePools = ''): string => `
apiVersion: v1
kind: ConfigMap
metadata: { name: config, namespace: ${NAMESPACE} }
data:
  config: |
    address-pools:
    - name: my-ip-space
      protocol: layer2
      addresses: [${addresses}]
${morePools}`;
