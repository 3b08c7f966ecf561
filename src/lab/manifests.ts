// The Kubernetes objects the lab creates: the chart's RBAC, Nodes, the tutorial ConfigMaps, Services and their EndpointSlices.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { packageRoot } from './binaries';
import {
  BACKEND_PORT, BGP_ASN, BGP_POOL, BGP_SERVICE, L2_POOL, L2_SERVICE, METALLB_NAMESPACE, NODES, ROUTER,
} from './topology';

export function chartDir(): string {
  return join(packageRoot(), 'charts', 'metallbts');
}

export function crdManifestPath(): string {
  return join(chartDir(), 'crds', 'metallb.io.yaml');
}

/** `<plural>.metallb.io` for every CRD the chart ships. */
export function crdResources(): string[] {
  const docs = yaml.loadAll(readFileSync(crdManifestPath(), 'utf8')) as Array<{ spec?: { group?: string; names?: { plural?: string } } } | null>;
  return docs.filter((d) => d?.spec?.names?.plural).map((d) => `${d!.spec!.names!.plural}.${d!.spec!.group}`);
}

interface RbacRules {
  controller: { cluster: unknown[]; namespace: unknown[] };
  speaker: { cluster: unknown[]; namespace: unknown[] };
}

const toYaml = (docs: unknown[]): string => docs.map((d) => yaml.dump(d, { lineWidth: -1 })).join('---\n');

/** ServiceAccounts, (Cluster)Roles and bindings for controller and speaker, from the chart's rules file (as the chart renders them). */
export function rbacManifest(): string {
  const rules = yaml.load(readFileSync(join(chartDir(), 'files', 'rbac-rules.yaml'), 'utf8')) as RbacRules;
  const docs: unknown[] = [];
  for (const component of ['controller', 'speaker'] as const) {
    const subjects = [{ kind: 'ServiceAccount', name: component, namespace: METALLB_NAMESPACE }];
    docs.push(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: component, namespace: METALLB_NAMESPACE } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `metallbts:${component}` }, rules: rules[component].cluster },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: `metallbts:${component}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `metallbts:${component}` }, subjects,
      },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: component, namespace: METALLB_NAMESPACE }, rules: rules[component].namespace },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: component, namespace: METALLB_NAMESPACE },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: component }, subjects,
      },
    );
  }
  return toYaml(docs);
}

/** Node objects as a kubelet would register them (Ready, InternalIP, hostname label). */
export function nodesManifest(): string {
  const now = new Date().toISOString();
  return toYaml(NODES.map((n) => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'metallbts.io/lab': 'true' } },
    status: {
      addresses: [{ type: 'InternalIP', address: n.ip }, { type: 'Hostname', address: n.name }],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'lab node', lastHeartbeatTime: now, lastTransitionTime: now }],
    },
  })));
}

function configMap(config: string): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { namespace: METALLB_NAMESPACE, name: 'config' },
    data: { config },
  }, { lineWidth: -1 });
}

/** The layer2 tutorial's ConfigMap, verbatim in content. */
export function layer2ConfigMap(): string {
  return configMap(
    'address-pools:\n' +
    `- name: ${L2_POOL.name}\n` +
    '  protocol: layer2\n' +
    '  addresses:\n' +
    `  - ${L2_POOL.range}\n`);
}

/** The BGP part: the router as an iBGP peer (AS 64500 both sides, as in the tutorial) and a second, bgp pool. */
export function layer2AndBgpConfigMap(): string {
  return configMap(
    'peers:\n' +
    `- peer-address: ${ROUTER.ip}\n` +
    `  peer-asn: ${BGP_ASN}\n` +
    `  my-asn: ${BGP_ASN}\n` +
    'address-pools:\n' +
    `- name: ${L2_POOL.name}\n` +
    '  protocol: layer2\n' +
    '  addresses:\n' +
    `  - ${L2_POOL.range}\n` +
    `- name: ${BGP_POOL.name}\n` +
    '  protocol: bgp\n' +
    '  auto-assign: false\n' +
    '  addresses:\n' +
    `  - ${BGP_POOL.range}\n`);
}

/** A LoadBalancer Service like tutorial-2.yaml's nginx (optionally pinned to a pool by annotation). */
export function serviceManifest(name: string, pool?: string): string {
  return yaml.dump({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', ...(pool ? { annotations: { 'metallb.io/address-pool': pool } } : {}) },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: BACKEND_PORT }] },
  }, { lineWidth: -1 });
}

/** What the EndpointSlice controller would write: one ready endpoint per node backend. */
export function endpointSliceManifest(service: string): string {
  return yaml.dump({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${service}-lab`,
      namespace: 'default',
      labels: { 'kubernetes.io/service-name': service, 'endpointslice.kubernetes.io/managed-by': 'metallbts-lab' },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: BACKEND_PORT, protocol: 'TCP' }],
    endpoints: NODES.map((n) => ({
      addresses: [n.ip],
      nodeName: n.name,
      conditions: { ready: true, serving: true, terminating: false },
    })),
  }, { lineWidth: -1 });
}

export const SERVICES = { layer2: L2_SERVICE, bgp: BGP_SERVICE } as const;
