// A speaker stand-in for namespace tests: one Layer2Announcer with a static cluster view and real memberlist, driven like the core speaker.
import { Registry } from 'prom-client';
import { createLogger } from '../../../src/core/log';
import type { ClusterView, NodeView, PluginContext, ServiceView } from '../../../src/core/plugin-api';
import { Layer2Announcer } from '../../../plugins/layer2/announcer';

export interface AnnouncerNodeSpec {
  nodeName: string;
  nodes: Array<{ name: string; addr: string }>;
  /** Node hosting the Service's only ready endpoint. */
  endpointNode: string;
  vip: string;
  secret: string;
  profile: 'lan' | 'fast';
  /** Extra layer2 plugin options (e.g. handoverMs). */
  options?: Record<string, unknown>;
}

async function main(spec: AnnouncerNodeSpec): Promise<void> {
  const log = createLogger({ destination: 1 }).child({ caller: 'announcer-node', node: spec.nodeName });
  const nodes: NodeView[] = spec.nodes.map((n) => ({ name: n.name, labels: {}, networkUnavailable: false, addresses: [n.addr] }));
  const cluster: ClusterView = {
    node: (name) => nodes.find((n) => n.name === name),
    nodes: () => nodes,
    endpoints: () => [{ addresses: ['10.244.0.10'], nodeName: spec.endpointNode, ready: true, serving: true, terminating: false }],
    onChange: () => () => undefined,
  };
  const svc: ServiceView = {
    namespace: 'default',
    name: 'nginx',
    type: 'LoadBalancer',
    annotations: {},
    labels: {},
    ipFamilies: ['IPv4'],
    externalTrafficPolicy: 'Cluster',
    selector: { app: 'nginx' },
    ports: [{ port: 80, protocol: 'TCP' }],
    ingressIPs: [spec.vip],
  };
  const abort = new AbortController();
  let announced = false;
  const reconcile = async (): Promise<void> => {
    const d = announcer.shouldAnnounce(svc, 'default');
    log.info({ event: 'decision', announce: d.announce, reason: d.reason, members: announcer.status().details?.members }, 'evaluated service');
    if (d.announce && !announced) await announcer.setBalancer(svc, svc.ingressIPs, 'default', svc);
    if (!d.announce && announced) await announcer.deleteBalancer(svc);
    announced = d.announce;
  };
  const ctx: PluginContext = {
    nodeName: spec.nodeName,
    logger: log,
    metrics: new Registry(),
    cluster,
    // Events and ServiceL2Status writes become log lines the tests read.
    events: {
      normal: (k, reason, message) => log.info({ event: 'k8sEvent', type: 'Normal', service: `${k.namespace}/${k.name}`, reason, message }, 'event'),
      warning: (k, reason, message) => log.info({ event: 'k8sEvent', type: 'Warning', service: `${k.namespace}/${k.name}`, reason, message }, 'event'),
    },
    signal: abort.signal,
    requestResync: () => setImmediate(() => void reconcile()),
    options: { memberlist: { profile: spec.profile, bindPort: 7946 }, interfaces: ['eth0'], ipv6: false, ...spec.options },
    secret: (name, key) => (name === 'memberlist' && key === 'secretkey' ? spec.secret : undefined),
    serviceStatus: {
      set: (k, status) => log.info({ event: 'serviceStatus', op: 'set', service: `${k.namespace}/${k.name}`, status }, 'ServiceL2Status'),
      delete: (k) => log.info({ event: 'serviceStatus', op: 'delete', service: `${k.namespace}/${k.name}` }, 'ServiceL2Status'),
    },
  };
  const announcer = new Layer2Announcer(ctx);
  await announcer.setConfig({
    protocol: 'layer2',
    pools: [],
    peers: [],
    bgpAdvertisements: [],
    l2Advertisements: [{ name: 'l2', pools: ['default'], nodeSelectors: [], interfaces: [], serviceSelectors: [], source: { file: '-', path: '-' } }],
    pluginAdvertisements: [],
    communityAliases: {},
  });
  await reconcile();
  const stop = (): void => {
    log.info({ event: 'shutdown', announced }, 'leaving');
    void announcer
      .shutdown()
      .finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Bounded lifetime: never outlive a crashed test by more than 5 minutes.
  setTimeout(stop, 300_000).unref();
  setInterval(() => undefined, 1 << 30);
}

if (require.main === module) {
  main(JSON.parse(process.argv[2]!) as AnnouncerNodeSpec).catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
