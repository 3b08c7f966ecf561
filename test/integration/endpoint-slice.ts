// The EndpointSlice the apiserver's EndpointSlice controller would write for a Service, for tests that run without it.
export interface ReadyEndpoint {
  nodeName: string;
  address: string;
}

/** `service`'s slice (port http/80/TCP) with one ready, serving endpoint per entry of `endpoints`. */
export function readyEndpointSlice(service: string, endpoints: ReadyEndpoint[]): Record<string, unknown> {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${service}-test`, namespace: 'default', labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    endpoints: endpoints.map((e) => ({ addresses: [e.address], nodeName: e.nodeName, conditions: { ready: true, serving: true, terminating: false } })),
  };
}
