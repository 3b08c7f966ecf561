// Converts API Services into the ServiceView the allocator and speaker decide on.
import type * as k8s from '@kubernetes/client-node';
import type { ServicePort, ServiceView } from '../service';

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
    type: spec.type ?? 'ClusterIP',
    loadBalancerClass: spec.loadBalancerClass ?? undefined,
    loadBalancerIP: spec.loadBalancerIP || undefined,
    annotations: { ...(svc.metadata?.annotations ?? {}) },
    labels: { ...(svc.metadata?.labels ?? {}) },
    ipFamilies: ipFamilies.length > 0 ? ipFamilies : ['IPv4'],
    ipFamilyPolicy: (spec.ipFamilyPolicy as ServiceView['ipFamilyPolicy']) ?? undefined,
    externalTrafficPolicy: spec.externalTrafficPolicy === 'Local' ? 'Local' : 'Cluster',
    selector: { ...(spec.selector ?? {}) },
    ports,
    ingressIPs: (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip).filter((ip): ip is string => !!ip),
  };
}
