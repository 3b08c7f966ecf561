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

/** Dummy device the kube-proxy stand-in puts Service IPs on (as kube-proxy IPVS mode does). */
export const KUBE_IPVS_DEV = 'kube-ipvs0';

export const APISERVER_PORT = 6443;
export const ETCD_CLIENT_PORT = 2379;
export const ETCD_PEER_PORT = 2380;
export const MEMBERLIST_PORT = 7946;
export const BACKEND_PORT = 80;
export const METALLB_NAMESPACE = 'metallb-system';

/** The layer2 tutorial: pool, Service and the address it must get. */
export const L2_POOL = { name: 'my-ip-space', range: '192.168.1.240-192.168.1.250' };
export const L2_SERVICE = 'nginx';
export const L2_EXPECTED_IP = '192.168.1.240';

/** The BGP part: a documentation range that is not on the LAN, reached through the router. */
export const BGP_ASN = 64500;
export const BGP_POOL = { name: 'bgp-space', range: '198.51.100.10-198.51.100.20', routedCidr: '198.51.100.0/24' };
export const BGP_SERVICE = 'nginx-bgp';

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
