// Kubernetes objects and router neighbours of the speaker-level interop matrix: three nodes, three peers, four pools' worth of Services.
import * as yaml from 'js-yaml';
import { NAMESPACE } from '../../support/metallb-system';
import type { NeighborSpec } from './routers/router';

export const MD5_KEY = 's3cret-key';
/** Speaker namespaces s0..s2 run as these nodes (192.168.1.10+i, fd00:1::a+i). */
export const NODES = ['node-a', 'node-b', 'node-c'] as const;
export const V4 = ['192.168.1.10', '192.168.1.11', '192.168.1.12'] as const;
export const V6 = ['fd00:1::a', 'fd00:1::b', 'fd00:1::c'] as const;

/**
 * What the router accepts: eBGP AS 64501 from node-a/node-b on IPv4 and IPv6 (with BFD when asked),
 * eBGP over IPv6 from node-c (no peer selects it until it is labelled), iBGP with MD5 from node-c.
 */
export function routerNeighbors(bfd: boolean): NeighborSpec[] {
  return [
    { address: V4[0], asn: 64501, family: 4, bfd },
    { address: V4[1], asn: 64501, family: 4, bfd },
    { address: V4[2], asn: 64500, family: 4, password: MD5_KEY },
    { address: V6[0], asn: 64501, family: 6, bfd },
    { address: V6[1], asn: 64501, family: 6, bfd },
    { address: V6[2], asn: 64501, family: 6 },
  ];
}

const doc = (o: unknown) => yaml.dump(o, { lineWidth: -1 });
const meta = (name: string, extra: Record<string, unknown> = {}) => ({ name, namespace: NAMESPACE, ...extra });
const selector = (labels: Record<string, string>) => [{ matchLabels: labels }];

/** Nodes (labels rack/zone/v6), pools, advertisements, peers, BFD profile, MD5 Secret. */
export function metallbObjects(bfd: boolean): string {
  const nodes = [
    { name: 'node-a', labels: { rack: 'r1', zone: 'a', v6: 'yes' } },
    { name: 'node-b', labels: { rack: 'r1', zone: 'b', v6: 'yes' } },
    { name: 'node-c', labels: { rack: 'r2' } },
  ].map((n) => ({ apiVersion: 'v1', kind: 'Node', metadata: n }));
  const pool = (name: string, addresses: string[]) => ({ apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: meta(name), spec: { addresses } });
  const ad = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'metallb.io/v1beta1', kind: 'BGPAdvertisement', metadata: meta(name), spec });
  const peer = (name: string, spec: Record<string, unknown>) => ({ apiVersion: 'metallb.io/v1beta2', kind: 'BGPPeer', metadata: meta(name), spec });
  const objects: unknown[] = [
    ...nodes,
    pool('plain', ['198.51.100.0/28', '2001:db8:100::/124']),
    pool('tagged', ['198.51.100.32/28', '2001:db8:120::/124']),
    pool('internal', ['198.51.100.64/28']),
    ad('plain', { ipAddressPools: ['plain'], peers: ['v4', 'v6'] }),
    ad('tagged', {
      ipAddressPools: ['tagged'],
      peers: ['v4', 'v6'],
      nodeSelectors: selector({ zone: 'a' }),
      communities: ['64501:100', 'large:64501:1:2'],
      aggregationLength: 28,
      aggregationLengthV6: 124,
    }),
    ad('internal', { ipAddressPools: ['internal'], peers: ['ibgp'], localPref: 250, communities: ['64500:7'] }),
    peer('v4', { myASN: 64501, peerASN: 64500, peerAddress: '192.168.1.1', nodeSelectors: selector({ rack: 'r1' }), ...(bfd ? { bfdProfile: 'fast' } : {}) }),
    peer('v6', { myASN: 64501, peerASN: 64500, peerAddress: 'fd00:1::1', nodeSelectors: selector({ v6: 'yes' }), ...(bfd ? { bfdProfile: 'fast' } : {}) }),
    peer('ibgp', { myASN: 64500, peerASN: 64500, peerAddress: '192.168.1.1', nodeSelectors: selector({ rack: 'r2' }), passwordSecret: { name: 'bgp-auth' }, connectTime: '3s', routerID: '10.255.0.3', holdTime: '27s' }),
    { apiVersion: 'metallb.io/v1beta1', kind: 'BFDProfile', metadata: meta('fast'), spec: { receiveInterval: 300, transmitInterval: 300, detectMultiplier: 3 } },
  ];
  return [...objects.map(doc), md5Secret(MD5_KEY)].join('---\n');
}

/** The basic-auth Secret BGPPeer ibgp names, holding `key`. */
export const md5Secret = (key: string): string =>
  doc({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/basic-auth', metadata: meta('bgp-auth'), stringData: { password: key } });

type Family = 'IPv4' | 'IPv6';

/** A LoadBalancer Service in `default` from `pool`, and one EndpointSlice per family with a ready endpoint on `node`. */
export function service(name: string, pool: string, families: Family[], node: string, local = false): string {
  const svc = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', annotations: { 'metallb.io/address-pool': pool } },
    spec: {
      type: 'LoadBalancer',
      selector: { app: name },
      ports: [{ port: 80 }],
      ipFamilies: families,
      ipFamilyPolicy: families.length > 1 ? 'RequireDualStack' : 'SingleStack',
      ...(local ? { externalTrafficPolicy: 'Local' } : {}),
    },
  };
  return [doc(svc), ...families.map((f) => endpointSlice(name, f, node))].join('---\n');
}

/** The Service's EndpointSlice of family `f`, its one ready endpoint on `node`. */
export function endpointSlice(name: string, f: Family, node: string): string {
  return doc({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: `${name}-${f.toLowerCase()}`, namespace: 'default', labels: { 'kubernetes.io/service-name': name } },
    addressType: f,
    endpoints: [{ addresses: [f === 'IPv4' ? '10.244.0.5' : 'fd00:244::5'], nodeName: node, conditions: { ready: true } }],
    ports: [{ port: 80, protocol: 'TCP' }],
  });
}

/** web (dual-stack), web6 (IPv6), local (IPv4, ETP Local on node-b), tagged (dual-stack), internal (IPv4, iBGP). */
export const SERVICES = [
  service('web', 'plain', ['IPv4', 'IPv6'], 'node-a'),
  service('web6', 'plain', ['IPv6'], 'node-a'),
  service('local', 'plain', ['IPv4'], 'node-b', true),
  service('tagged', 'tagged', ['IPv4', 'IPv6'], 'node-a'),
  service('internal', 'internal', ['IPv4'], 'node-a'),
].join('---\n');
