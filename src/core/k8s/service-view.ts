// Converts API Services into the ServiceView the allocator and speaker decide on.
import type * as k8s from '@kubernetes/client-node';
import type { ServicePort, ServiceView } from '../service';

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

export function toServiceView(svc: k8s.V1Service): ServiceView {
  const spec = svc.spec ?? {};
  const ports: ServicePort[] = (spec.ports ?? []).map((p) => ({
    port: p.port,
    protocol: (p.protocol ?? 'TCP') as ServicePort['protocol'],
  }));
  const ipFamilies = (spec.ipFamilies ?? []).filter((f): f is 'IPv4' | 'IPv6' => f === 'IPv4' || f === 'IPv6');
  return {
    namespace: svc.metadata?.namespace ?? 'default',
    name: svc.metadata?.name ?? '',
    uid: svc.metadata?.uid,
    resourceVersion: svc.metadata?.resourceVersion,
    type: spec.type ?? 'ClusterIP',
    loadBalancerClass: spec.loadBalancerClass ?? undefined,
    loadBalancerIP: spec.loadBalancerIP || undefined,
    annotations: withoutLastApplied(svc.metadata?.annotations),
    labels: { ...(svc.metadata?.labels ?? {}) },
    ipFamilies: ipFamilies.length > 0 ? ipFamilies : ['IPv4'],
    ipFamilyPolicy: (spec.ipFamilyPolicy as ServiceView['ipFamilyPolicy']) ?? undefined,
    externalTrafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    selector: { ...(spec.selector ?? {}) },
    ports,
    ingressIPs: (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip),
  };
}

/** kubectl's last-applied copy of the whole object is read by nothing here; caching it would double the view. */
function withoutLastApplied(annotations: Record<string, string> | undefined): Record<string, string> {
  const out = { ...(annotations ?? {}) };
  delete out[LAST_APPLIED];
  return out;
}
