// The BGP identifier when none is configured: the session's IPv4 address, else one of the node's, as FRR and BIRD pick.
import { isIPv4 } from 'node:net';
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os';

export type InterfaceTable = NodeJS.Dict<NetworkInterfaceInfo[]>;

/**
 * The local IPv4 of the session; else an IPv4 on the interface that holds the (IPv6) local
 * address; else the highest non-loopback IPv4 of the node (link-local only as a last resort).
 * Undefined only when the node has no IPv4 address at all.
 */
export function pickRouterId(localAddress: string, interfaces: InterfaceTable = networkInterfaces()): string | undefined {
  const local = localAddress.replace(/^::ffff:(?=\d+\.)/i, '');
  if (isIPv4(local)) return local;
  const v4 = (addrs: NetworkInterfaceInfo[] | undefined): string[] =>
    (addrs ?? []).filter((a) => a.family === 'IPv4' && !a.internal && !a.address.startsWith('127.')).map((a) => a.address);
  for (const addrs of Object.values(interfaces)) {
    if (!addrs?.some((a) => a.address.toLowerCase() === local.toLowerCase())) continue;
    const same = v4(addrs).sort(byLinkLocalLast);
    if (same.length > 0) return same[0];
  }
  const all = Object.values(interfaces).flatMap(v4);
  all.sort((a, b) => byLinkLocalLast(a, b) || toNumber(b) - toNumber(a));
  return all[0];
}

function toNumber(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function byLinkLocalLast(a: string, b: string): number {
  return Number(a.startsWith('169.254.')) - Number(b.startsWith('169.254.'));
}

export const NO_ROUTER_ID = 'no router ID: the node has no IPv4 address to use as BGP identifier; set router-id (BGPPeer spec.routerID)';
