// The parts of a Kubernetes Service that allocation and announcement decisions depend on.

/** A Service's identity: namespace and name. */
export interface ServiceKey {
  /** The namespace. */
  namespace: string;
  /** The name. */
  name: string;
}

/** A Service key plus the identity an Event's involvedObject needs (`kubectl describe` matches on uid). */
export interface ServiceRef extends ServiceKey {
  /** metadata.uid. */
  uid?: string;
  /** metadata.resourceVersion. */
  resourceVersion?: string;
}

/** `namespace/name`: how a Service is keyed in maps, logs and metrics (a key already in that form is returned as is). */
export function serviceKeyString(key: ServiceKey | string): string {
  return typeof key === 'string' ? key : `${key.namespace}/${key.name}`;
}

/** The inverse of `serviceKeyString`: `namespace/name` back into its parts (a name has no `/`). */
export function parseServiceKey(text: string): ServiceKey {
  const i = text.indexOf('/');
  return { namespace: text.slice(0, i), name: text.slice(i + 1) };
}

/** `spec.ipFamilyPolicy` of a Service. */
export type IpFamilyPolicy = 'SingleStack' | 'PreferDualStack' | 'RequireDualStack';

/** One port of a Service. */
export interface ServicePort {
  /** The port number. */
  port: number;
  /** Its transport protocol. */
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

/** The parts of a Kubernetes Service that allocation and announcement depend on. */
export interface ServiceView extends ServiceRef {
  /** spec.type (`LoadBalancer` for the Services we handle). */
  type: string;
  /** spec.loadBalancerClass. */
  loadBalancerClass?: string;
  /** spec.loadBalancerIP (deprecated in Kubernetes but honoured). */
  loadBalancerIP?: string;
  /** metadata.annotations. */
  annotations: Record<string, string>;
  /** metadata.labels. */
  labels: Record<string, string>;
  /** spec.ipFamilies. */
  ipFamilies: Array<'IPv4' | 'IPv6'>;
  /** spec.ipFamilyPolicy. */
  ipFamilyPolicy?: IpFamilyPolicy;
  /** spec.externalTrafficPolicy (`Local`: only nodes with a ready endpoint should announce). */
  externalTrafficPolicy: 'Cluster' | 'Local';
  /** spec.selector. */
  selector: Record<string, string>;
  /** spec.ports. */
  ports: ServicePort[];
  /** status.loadBalancer.ingress[].ip */
  ingressIPs: string[];
}

/** Annotation names, stable prefix first; the old `metallb.universe.tf/` prefix is still read. */
export const ANNOTATION_PREFIXES = ['metallb.io/', 'metallb.universe.tf/'] as const;
export const ANNOTATION = {
  addressPool: 'address-pool',
  loadBalancerIPs: 'loadBalancerIPs',
  allowSharedIP: 'allow-shared-ip',
  ipAllocatedFromPool: 'ip-allocated-from-pool',
} as const;

/** Reads a MetalLB annotation under either prefix; the stable `metallb.io/` one wins. */
export function metallbAnnotation(svc: { annotations: Record<string, string> }, name: string): string | undefined {
  for (const prefix of ANNOTATION_PREFIXES) {
    const v = svc.annotations[prefix + name];
    if (v !== undefined) return v;
  }
  return undefined;
}
