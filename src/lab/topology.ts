// The lab's fixed shape (names, addresses, ports) in one place, so up/down/status/failover agree.

/** Every namespace the lab creates starts with this; `lab down` removes exactly these. */
export const NS_PREFIX = 'mlbts-lab-';

export interface LabHost {
  /** Short role name: router, node-a, client, cp. */
  name: string;
  ns: string;
  ip: string;
  /** Fixed locally administered MAC, so a neighbour entry maps back to a host. */
  mac: string;
}

const host = (name: string, lastOctet: number): LabHost => ({
  name,
  ns: `${NS_PREFIX}${name}`,
  ip: `192.168.1.${lastOctet}`,
  mac: `02:6c:61:62:00:${lastOctet.toString(16).padStart(2, '0')}`,
});

/** The namespace holding only the bridge `br0` every host is plugged into. */
export const SWITCH_NS = `${NS_PREFIX}switch`;
export const LAN_PREFIX_LEN = 24;
export const LAN_CIDR = '192.168.1.0/24';

export const ROUTER = host('router', 1);
export const CONTROL_PLANE = host('cp', 5);
export const NODES: readonly LabHost[] = [host('node-a', 10), host('node-b', 11), host('node-c', 12)];
export const CLIENT = host('client', 100);
export const HOSTS: readonly LabHost[] = [ROUTER, CONTROL_PLANE, ...NODES, CLIENT];
export const ALL_NAMESPACES: readonly string[] = [SWITCH_NS, ...HOSTS.map((h) => h.ns)];

/** Cluster networking of the real nodes: Service range (the apiserver's), pod range, one /24 per node. */
export const SERVICE_CIDR = '10.96.0.0/16';
export const KUBERNETES_SERVICE_IP = '10.96.0.1';
export const CLUSTER_CIDR = '10.244.0.0/16';
export const podCidr = (node: LabHost): string => `10.244.${NODES.indexOf(node)}.0/24`;
export const KUBELET_PORT = 10250;

export const APISERVER_PORT = 6443;
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export const MEMBERLIST_PORT = 7946;
export const METALLB_NAMESPACE = 'metallb-system';

/** The layer2 tutorial: pool, Service and the address it must get. */
export const L2_POOL = { name: 'my-ip-space', range: '192.168.1.240-192.168.1.250' };
export const L2_SERVICE = 'nginx';
export const L2_EXPECTED_IP = '192.168.1.240';

/** The BGP tutorial's AS (router and speakers, iBGP). */
export const BGP_ASN = 64500;

/** FRR pathspace (-N) for the router's daemons: sockets and pid files live in /var/run/frr/<name>. */
export const FRR_PATHSPACE = ROUTER.ns;
export const FRR_RUN_DIR = `/var/run/frr/${FRR_PATHSPACE}`;

export function nodeByMac(mac: string): LabHost | undefined {
  const m = mac.toLowerCase();
  return NODES.find((n) => n.mac === m);
}

export function nodeByName(name: string): LabHost | undefined {
  return NODES.find((n) => n.name === name);
}
