// Which interfaces a layer-2 announcer answers on, decided like MetalLB from /sys/class/net.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const IFF_UP = 0x1;
const IFF_BROADCAST = 0x2;
const IFF_LOOPBACK = 0x8;
const IFF_NOARP = 0x80;

/** MetalLB's interface exclusions (speaker/layer2 announcer). */
export const EXCLUDED_INTERFACES: RegExp[] = [
  /^docker.*/, /^cbr.*/, /^dummy.*/, /^virbr.*/, /^lxcbr.*/, /^veth.*/, /^lo$/, /^cali.*/, /^tunl.*/,
  /^flannel.*/, /^kube-ipvs.*/, /^cni.*/, /^nodelocaldns.*/, /^lxc.*/,
];

export interface InterfaceInfo {
  name: string;
  ifindex: number;
  mac: string;
  flags: number;
  /** Has a master (bridge/bond port): frames are handled by the master. */
  enslaved: boolean;
  /** Has an IPv6 link-local address (MetalLB runs NDP only there); undefined = unknown. */
  ipv6LinkLocal?: boolean;
}

export interface InterfaceSource {
  list(): InterfaceInfo[];
}

/** Reads interfaces of the current network namespace from sysfs. */
export class SysfsInterfaces implements InterfaceSource {
  constructor(
    private readonly root = '/sys/class/net',
    private readonly inet6 = '/proc/net/if_inet6',
  ) {}

  /** Interface names with a link-local (scope 0x20) IPv6 address, from /proc/net/if_inet6. */
  private linkLocalNames(): Set<string> | undefined {
    try {
      const names = new Set<string>();
      for (const line of readFileSync(this.inet6, 'utf8').split('\n')) {
        const f = line.trim().split(/\s+/);
        if (f.length >= 6 && f[3] === '20' && f[5] !== undefined) names.add(f[5]);
      }
      return names;
    } catch {
      return undefined; // IPv6 disabled in this kernel/namespace
    }
  }

  list(): InterfaceInfo[] {
    const out: InterfaceInfo[] = [];
    const ll = this.linkLocalNames();
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return out;
    }
    for (const name of names.sort()) {
      const info = this.get(name);
      if (info) out.push({ ...info, ipv6LinkLocal: ll ? ll.has(name) : false });
    }
    return out;
  }

  get(name: string): InterfaceInfo | undefined {
    const dir = join(this.root, name);
    try {
      const read = (f: string): string => readFileSync(join(dir, f), 'utf8').trim();
      return {
        name,
        ifindex: Number(read('ifindex')),
        mac: read('address').toLowerCase(),
        flags: Number.parseInt(read('flags'), 16),
        enslaved: existsSync(join(dir, 'master')),
      };
    } catch {
      return undefined; // vanished while reading
    }
  }
}

export type Eligibility = { ok: true } | { ok: false; reason: string };

export interface EligibilityOptions {
  /** Only these names (empty/undefined = all). */
  only?: string[];
  /** An operator named the interface (`l2 announce --interface`): skip MetalLB's name exclusions. */
  explicit?: boolean;
}

/** MetalLB's rule: up, broadcast-capable, not enslaved, not NOARP, not excluded by name. */
export function eligible(i: InterfaceInfo, opts: EligibilityOptions = {}): Eligibility {
  const only = opts.only ?? [];
  if (only.length > 0 && !only.includes(i.name)) return { ok: false, reason: 'not in the interface list' };
  if (!opts.explicit && EXCLUDED_INTERFACES.some((re) => re.test(i.name))) return { ok: false, reason: 'excluded by name' };
  if ((i.flags & IFF_UP) === 0) return { ok: false, reason: 'down' };
  if ((i.flags & IFF_LOOPBACK) !== 0) return { ok: false, reason: 'loopback' };
  if ((i.flags & IFF_BROADCAST) === 0) return { ok: false, reason: 'not broadcast-capable' };
  if ((i.flags & IFF_NOARP) !== 0) return { ok: false, reason: 'NOARP' };
  if (i.enslaved) return { ok: false, reason: 'enslaved' };
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/.test(i.mac) || i.mac === '00:00:00:00:00:00') {
    return { ok: false, reason: 'no Ethernet address' };
  }
  return { ok: true };
}
