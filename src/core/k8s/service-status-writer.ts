// Writes allocation results: status.loadBalancer.ingress (status subresource) and the pool annotation.
import type { KubeClients } from './kube-clients';
import { withRetry } from './kube-clients';
import type { ServiceStatusWriter } from '../ports';
import { ANNOTATION, ANNOTATION_PREFIXES, type ServiceView } from '../service';

export class KubeServiceStatusWriter implements ServiceStatusWriter {
  constructor(private readonly clients: KubeClients) {}

  async writeStatus(svc: ServiceView, ips: string[], pool: string | undefined): Promise<void> {
    const { name, namespace } = svc;
    const annotations: Record<string, string | null> = {};
    for (const prefix of ANNOTATION_PREFIXES) {
      if (svc.annotations[prefix + ANNOTATION.ipAllocatedFromPool] !== undefined) annotations[prefix + ANNOTATION.ipAllocatedFromPool] = null;
    }
    annotations[`metallb.io/${ANNOTATION.ipAllocatedFromPool}`] = pool ?? null;
    // One merge patch on the status subresource sets both (the Service status strategy resets only
    // spec): atomic, one round trip, and no resourceVersion, so concurrent edits never conflict.
    const body = { metadata: { annotations }, status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } } };
    const path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(name)}/status`;
    await withRetry(`update status of ${namespace}/${name}`, () => this.clients.requester.send('PATCH', path, body, 'application/merge-patch+json'));
  }
}
