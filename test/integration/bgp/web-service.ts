// The web LoadBalancer Service the apiserver BGP tests announce: its objects (node-a, a BGP pool) and its assigned IP.
import type { SharedControlPlane } from '../../harness/jest-control-plane';
import { eventually, NAMESPACE } from '../../support/metallb-system';

/** Node node-a, pool bgp-pool (`poolCidr`) advertised by BGP, then `peering` (more objects, `---` separated), then Service web and its ready endpoint on node-a. */
export const webServiceObjects = (poolCidr: string, peering: string): string => `${bgpPoolObjects(poolCidr)}---
${peering.trim()}
---
${lbServiceObjects('web', '10.244.0.5')}`;

/** Node node-a and pool bgp-pool (`addresses`, YAML flow items) advertised by BGP to every peer. */
export function bgpPoolObjects(addresses: string): string {
  return `
apiVersion: v1
kind: Node
metadata: { name: node-a }
---
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: bgp-pool, namespace: ${NAMESPACE} }
spec: { addresses: [${addresses}] }
---
apiVersion: metallb.io/v1beta1
kind: BGPAdvertisement
metadata: { name: all, namespace: ${NAMESPACE} }
`;
}

/** LoadBalancer Service default/`name` on port 80 and its EndpointSlice: one ready endpoint at `endpoint` on node-a. */
export function lbServiceObjects(name: string, endpoint: string): string {
  return `apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: default }
spec: { type: LoadBalancer, selector: { app: ${name} }, ports: [{ port: 80 }] }
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: { name: ${name}-1, namespace: default, labels: { kubernetes.io/service-name: ${name} } }
addressType: IPv4
endpoints: [{ addresses: [${endpoint}], nodeName: node-a, conditions: { ready: true } }]
ports: [{ port: 80, protocol: TCP }]
`;
}

/** Waits (bounded by `eventually`) for the controller to give Service default/web an ingress IP. */
export const webServiceIp = (cp: Pick<SharedControlPlane, 'kubectlJson'>): Promise<string> =>
  eventually('Service IP', async () => {
    const s = await cp.kubectlJson<{ status?: { loadBalancer?: { ingress?: Array<{ ip: string }> } } }>(['get', 'svc', 'web']);
    return s.status?.loadBalancer?.ingress?.[0]?.ip;
  });

/** BGPPeer `name` (AS 64501 → 64500) with `spec` fields after those (e.g. `holdTime: 9s, bfdProfile: fast`); default peer 192.168.1.1, the lab router. */
export function bgpPeerObject(name: string, spec: string, peerAddress = '192.168.1.1'): string {
  return `
apiVersion: metallb.io/v1beta2
kind: BGPPeer
metadata: { name: ${name}, namespace: ${NAMESPACE} }
spec: { myASN: 64501, peerASN: 64500, peerAddress: ${peerAddress}, ${spec} }
`;
}
