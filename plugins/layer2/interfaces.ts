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
}

export interface InterfaceSource {
  list(): InterfaceInfo[];
}

/** Reads interfaces of the current network namespace from sysfs. */
export class SysfsInterfaces implements InterfaceSource {
  constructor(private readonly root = '/sys/class/net') {}

  list(): InterfaceInfo[] {
    const out: InterfaceInfo[] = [];
    let names: string[];
    try {
      names = readdirSync(this.root);
    } catch {
      return out;
    }
    for (const name of names.sort()) {
      const info = this.get(name);
      if (info) out.push(info);
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
