// The local addresses a session may use: next hops of the other family, and the interfaces of its VRF.
import { readlinkSync } from 'node:fs';
import { basename } from 'node:path';
import { networkInterfaces } from 'node:os';
import type { InterfaceTable } from './router-id';

/**
 * An address of `family` on the interface that holds `localAddress` (global scope for IPv6),
 * or undefined. Used for IPv6 prefixes over an IPv4 session and vice versa.
 */
export function siblingAddress(localAddress: string, family: 4 | 6, interfaces: InterfaceTable = networkInterfaces()): string | undefined {
  for (const addrs of Object.values(interfaces)) {
    if (!addrs?.some((a) => a.address === localAddress)) continue;
    const hit = addrs.find((a) => (family === 4 ? a.family === 'IPv4' : a.family === 'IPv6' && !/^fe80:/i.test(a.address)) && !a.internal);
    if (hit) return hit.address;
  }
  return undefined;
}

/** The interface's master device (bridge, bond or VRF), from sysfs; undefined when it has none. */
export function masterOf(name: string, sysfs = '/sys/class/net'): string | undefined {
  try {
    return basename(readlinkSync(`${sysfs}/${name}/master`));
  } catch {
    return undefined;
  }
}

/**
 * The part of `interfaces` that belongs to VRF `vrf`: the device itself and every interface enslaved
 * to it (directly, or through a bridge/bond that is). A plain interface named as the VRF is just itself.
 */
export function vrfInterfaces(vrf: string, interfaces: InterfaceTable, master: (name: string) => string | undefined = masterOf): InterfaceTable {
  const inVrf = (name: string): boolean => {
    let dev: string | undefined = name;
    for (let depth = 0; dev !== undefined && depth < 4; depth++) {
      if (dev === vrf) return true;
      dev = master(dev);
    }
    return false;
  };
  return Object.fromEntries(Object.entries(interfaces).filter(([name]) => inVrf(name)));
}
