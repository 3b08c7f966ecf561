// Next hops of the other family: the session's interface usually has one (dual-stack hosts).
import { networkInterfaces } from 'node:os';

/**
 * An address of `family` on the interface that holds `localAddress` (global scope for IPv6),
 * or undefined. Used for IPv6 prefixes over an IPv4 session and vice versa.
 */
export function siblingAddress(localAddress: string, family: 4 | 6, interfaces = networkInterfaces()): string | undefined {
  for (const addrs of Object.values(interfaces)) {
    if (!addrs?.some((a) => a.address === localAddress)) continue;
    const hit = addrs.find((a) => (family === 4 ? a.family === 'IPv4' : a.family === 'IPv6' && !/^fe80:/i.test(a.address)) && !a.internal);
    if (hit) return hit.address;
  }
  return undefined;
}
