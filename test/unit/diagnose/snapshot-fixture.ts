// A hand-built ClusterSnapshot: three nodes with speakers, a layer2 pool, the nginx Service; tests break one thing each.
import type * as k8s from '@kubernetes/client-node';
import type { ClusterSnapshot, MetallbObject } from '../../../src/core/k8s/cluster-snapshot';

export const ok = <T>(value: T): { ok: true; value: T } => ({ ok: true, value });

export function node(name: string, labels: Record<string, string> = {}, networkUnavailable = false): k8s.V1Node {
  return {
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...labels } },
    status: { conditions: networkUnavailable ? [{ type: 'NetworkUnavailable', status: 'True' }] : [], addresses: [] },
  } as k8s.V1Node;
}

export function speakerState(nodeName: string, opts: { members?: string[]; cidrs?: string[]; result?: string; lastError?: string; sessions?: unknown[] } = {}): MetallbObject {
  return {
    metadata: { name: `speaker-${nodeName}`, labels: { 'metallb.io/component-type': 'speaker', 'metallb.io/node-name': nodeName } },
    status: {
      result: opts.result ?? 'Valid',
      lastError: opts.lastError ?? '',
      node: nodeName,
      plugins: {
        layer2: { healthy: true, details: { members: opts.members ?? ['node-a', 'node-b', 'node-c'], interfaces: ['eth0'] } },
        ...(opts.sessions ? { bgp: { healthy: true, details: { sessions: opts.sessions } } } : {}),
      },
      interfaces: [{ name: 'eth0', cidrs: opts.cidrs ?? ['192.168.1.10/24'] }],
    },
  };
}

export function service(name: string, ips: string[], extra: { annotations?: Record<string, string>; etp?: string } = {}): k8s.V1Service {
  return {
    metadata: { name, namespace: 'default', uid: `uid-${name}`, annotations: { ...(ips.length ? { 'metallb.io/ip-allocated-from-pool': 'my-ip-space' } : {}), ...(extra.annotations ?? {}) } },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }], externalTrafficPolicy: extra.etp ?? 'Cluster' },
    status: { loadBalancer: { ingress: ips.map((ip) => ({ ip })) } },
  } as k8s.V1Service;
}

export const configMap = (addresses = '192.168.1.240-192.168.1.250', extra = ''): k8s.V1ConfigMap => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'config', namespace: 'metallb-system' },
  data: { config: `address-pools:\n- name: my-ip-space\n  protocol: layer2\n  addresses:\n  - ${addresses}\n${extra}` },
});

export function l2Status(svc: string, nodeName: string): MetallbObject {
  return {
    metadata: { name: `l2-${svc}-${nodeName}`, labels: { 'metallb.io/node': nodeName, 'metallb.io/service-name': svc, 'metallb.io/service-namespace': 'default' } },
    status: { node: nodeName, serviceName: svc, serviceNamespace: 'default', interfaces: [{ name: 'eth0' }] },
  };
}

export function endpointSlice(svc: string, nodes: string[]): k8s.V1EndpointSlice {
  return {
    metadata: { name: `${svc}-x`, namespace: 'default', labels: { 'kubernetes.io/service-name': svc } },
    addressType: 'IPv4',
    endpoints: nodes.map((n, i) => ({ addresses: [`10.244.0.${i + 1}`], nodeName: n, conditions: { ready: true } })),
  } as k8s.V1EndpointSlice;
}

export function healthySnapshot(): ClusterSnapshot {
  const nodes = ['node-a', 'node-b', 'node-c'];
  return {
    namespace: 'metallb-system',
    nodes: ok(nodes.map((n) => node(n))),
    pods: ok([]),
    services: ok([service('nginx', ['192.168.1.240'])]),
    namespaceLabels: ok(new Map([['default', {}]])),
    endpointSlices: ok([endpointSlice('nginx', ['node-b'])]),
    configurationStates: ok([
      { metadata: { name: 'controller', labels: { 'metallb.io/component-type': 'controller' } }, status: { result: 'Valid' } },
      ...nodes.map((n, i) => speakerState(n, { cidrs: [`192.168.1.${10 + i}/24`] })),
    ]),
    serviceStatuses: { layer2: ok([]), bgp: ok([]) },
    configObjects: ok([{ object: configMap(), kind: 'ConfigMap', file: 'configmap/metallb-system/config' }]),
    kubeProxy: ok({ metadata: { name: 'kube-proxy', namespace: 'kube-system' }, data: { 'config.conf': 'mode: ipvs\nipvs:\n  strictARP: true\n' } }),
    memberlistSecret: ok({ present: true, fingerprint: 'abc123' }),
  };
}
