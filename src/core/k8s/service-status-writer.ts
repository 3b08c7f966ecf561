// Writes allocation results: status.loadBalancer.ingress (status subresource) and the pool annotation.
import type { KubeClients } from './kube-clients';
import { MERGE_PATCH, withRetry } from './kube-clients';
import type { ServiceStatusWriter } from '../controller/ports';
import { ANNOTATION, ANNOTATION_PREFIXES, type ServiceView } from '../service';

export class KubeServiceStatusWriter implements ServiceStatusWriter {
  constructor(private readonly clients: KubeClients) {}

  async writeStatus(svc: ServiceView, ips: string[], pool: string | undefined): Promise<void> {
    const { name, namespace } = svc;
    // Merge patches carry no resourceVersion, so concurrent edits by others never conflict with ours.
    await withRetry(`update status of ${namespace}/${name}`, () =>
      this.clients.core.patchNamespacedServiceStatus(
        { name, namespace, body: { status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } } } },
        MERGE_PATCH,
      ),
    );
    const annotations: Record<string, string | null> = {};
    for (const prefix of ANNOTATION_PREFIXES) {
      if (svc.annotations[prefix + ANNOTATION.ipAllocatedFromPool] !== undefined) annotations[prefix + ANNOTATION.ipAllocatedFromPool] = null;
    }
    annotations[`metallb.io/${ANNOTATION.ipAllocatedFromPool}`] = pool ?? null;
    await withRetry(`annotate ${namespace}/${name}`, () =>
      this.clients.core.patchNamespacedService({ name, namespace, body: { metadata: { annotations } } }, MERGE_PATCH),
    );
  }
}
