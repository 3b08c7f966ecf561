// One-shot, read-only reads of everything `status` and `doctor` look at; each read fails alone, with its reason.
import type * as k8s from '@kubernetes/client-node';
import type { ConfigObject } from '../config';
import { secretFingerprint } from '../plugin-api';
import type { KubeClients } from './kube-clients';
import { apiStatusCode } from './kube-clients';
import { CONFIG_CRDS, CONFIGMAP_NAME } from './config-source';
import { ConfigSnapshotReader } from './config-snapshot';
import { STATUS_KINDS } from './service-status-objects';

/** A metallb.io object as read (status objects, ConfigurationState). */
export interface MetallbObject {
  metadata?: { name?: string; namespace?: string; labels?: Record<string, string>; creationTimestamp?: string };
  status?: Record<string, unknown>;
}

/** A value read from the API, or why it could not be read (403, 404, ...). */
export type Read<T> = { ok: true; value: T } | { ok: false; code?: number; error: string };

export interface ClusterSnapshot {
  /** The namespace metallbts runs in. */
  namespace: string;
  nodes: Read<k8s.V1Node[]>;
  /** Pods in the metallbts namespace. */
  pods: Read<k8s.V1Pod[]>;
  services: Read<k8s.V1Service[]>;
  namespaceLabels: Read<Map<string, Record<string, string>>>;
  endpointSlices: Read<k8s.V1EndpointSlice[]>;
  configurationStates: Read<MetallbObject[]>;
  /** protocol → per-Service status objects (ServiceL2Status, ServiceBGPStatus). */
  serviceStatuses: Record<string, Read<MetallbObject[]>>;
  /** Config inputs (ConfigMap `config` and the metallb.io CRDs), named as the controller names them. */
  configObjects: Read<ConfigObject[]>;
  /** kube-system/kube-proxy ConfigMap (undefined value: not there, e.g. no kube-proxy). */
  kubeProxy: Read<k8s.V1ConfigMap | undefined>;
  /** Secret `memberlist`: whether it exists and the fingerprint of its `secretkey` (the key itself is not kept). */
  memberlistSecret: Read<{ present: boolean; fingerprint?: string }>;
}

export interface SnapshotOptions {
  /** Limit Services and EndpointSlices to this one (status svc). */
  service?: { namespace: string; name: string };
}

export async function readClusterSnapshot(clients: KubeClients, namespace: string, opts: SnapshotOptions = {}): Promise<ClusterSnapshot> {
  const svc = opts.service;
  const custom = (plural: string, version = 'v1beta1', labelSelector?: string): Promise<MetallbObject[]> =>
    clients.custom
      .listNamespacedCustomObject({ group: 'metallb.io', version, namespace, plural, labelSelector })
      .then((l) => ((l as { items?: MetallbObject[] }).items ?? []));
  const serviceSelector = svc ? `metallb.io/service-name=${svc.name},metallb.io/service-namespace=${svc.namespace}` : undefined;
  const [nodes, pods, services, namespaceLabels, endpointSlices, configurationStates, configObjects, kubeProxy, memberlistSecret, ...statuses] = await Promise.all([
    read(() => clients.core.listNode().then((l) => l.items)),
    read(() => clients.core.listNamespacedPod({ namespace }).then((l) => l.items)),
    read(() =>
      svc
        ? clients.core.readNamespacedService({ namespace: svc.namespace, name: svc.name }).then((s) => [s])
        : clients.core.listServiceForAllNamespaces().then((l) => l.items),
    ),
    read(() => clients.core.listNamespace().then((l) => new Map(l.items.map((n) => [n.metadata?.name ?? '', { ...(n.metadata?.labels ?? {}) }])))),
    read(() =>
      svc
        ? clients.discovery.listNamespacedEndpointSlice({ namespace: svc.namespace, labelSelector: `kubernetes.io/service-name=${svc.name}` }).then((l) => l.items)
        : clients.discovery.listEndpointSliceForAllNamespaces().then((l) => l.items),
    ),
    read(() => custom('configurationstates')),
    read(() => readConfigObjects(clients, namespace)),
    read(async () => {
      try {
        return await clients.core.readNamespacedConfigMap({ namespace: 'kube-system', name: 'kube-proxy' });
      } catch (err) {
        if (apiStatusCode(err) === 404) return undefined;
        throw err;
      }
    }),
    read(async () => {
      try {
        const secret = await clients.core.readNamespacedSecret({ namespace, name: 'memberlist' });
        const key = secret.data?.secretkey;
        return { present: true, fingerprint: key ? secretFingerprint(Buffer.from(key, 'base64').toString('utf8')) : undefined };
      } catch (err) {
        if (apiStatusCode(err) === 404) return { present: false };
        throw err;
      }
    }),
    ...Object.values(STATUS_KINDS).map((k) => read(() => custom(k.plural, 'v1beta1', serviceSelector))),
  ]);
  const serviceStatuses = Object.fromEntries(Object.keys(STATUS_KINDS).flatMap((p, i) => statuses.slice(i, i + 1).map((s) => [p, s] as const)));
  return { namespace, nodes, pods, services, namespaceLabels, endpointSlices, configurationStates, serviceStatuses, configObjects, kubeProxy, memberlistSecret };
}

/** The ConfigMap and every metallb.io (and metallbts.io) config kind in `namespace`; a kind whose CRD is not installed is skipped. */
async function readConfigObjects(clients: KubeClients, namespace: string): Promise<ConfigObject[]> {
  const objects: k8s.KubernetesObject[] = [];
  let configMap: k8s.V1ConfigMap | undefined;
  try {
    configMap = await clients.core.readNamespacedConfigMap({ namespace, name: CONFIGMAP_NAME });
  } catch (err) {
    if (apiStatusCode(err) !== 404) throw err;
  }
  for (const crd of CONFIG_CRDS) {
    try {
      const list = (await clients.custom.listNamespacedCustomObject({ group: crd.group, version: crd.version, namespace, plural: crd.plural })) as { items?: k8s.KubernetesObject[]; apiVersion?: string };
      for (const o of list.items ?? []) objects.push(o);
    } catch (err) {
      if (apiStatusCode(err) !== 404) throw err;
    }
  }
  return new ConfigSnapshotReader(namespace).objects({ configMap, objects });
}

async function read<T>(fn: () => Promise<T>): Promise<Read<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (err) {
    const code = apiStatusCode(err);
    const body = (err as { body?: unknown }).body;
    let message = (err as Error).message;
    try {
      message = (JSON.parse(typeof body === 'string' ? body : '') as { message?: string }).message ?? message;
    } catch {
      // not JSON: keep the error's own message
    }
    return { ok: false, code, error: `${code ? `HTTP ${code}: ` : ''}${message.split('\n')[0]}` };
  }
}
