// Builds and removes the lab's network: one bridge in its own namespace, every host on a veth, all inside namespaces.
import { readdirSync } from 'node:fs';
import { must, run } from './shell';
import { ALL_NAMESPACES, HOSTS, LAN_PREFIX_LEN, NS_PREFIX, ROUTER, SWITCH_NS, type LabHost } from './topology';

const ip = (args: string[]): Promise<string> => must('ip', args);
const sysctl = (ns: string, key: string, value: string | number): Promise<string> =>
  must('ip', ['netns', 'exec', ns, 'sysctl', '-qw', `${key}=${value}`]);

/** Namespaces with the lab prefix that exist now (from /run/netns, the same list `ip netns list` reads). */
export function existingLabNamespaces(): string[] {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith(NS_PREFIX)).sort();
  } catch {
    return [];
  }
}

export class LabNetwork {
  /** Creates every namespace; fails if one already exists (callers run `down` first). */
  async createNamespaces(): Promise<void> {
    for (const ns of ALL_NAMESPACES) {
      await ip(['netns', 'add', ns]);
      await ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
  }

  /** br0 in the switch namespace; one veth per host, `eth0` on the host side with a fixed MAC and its /24. */
  async wireLan(): Promise<void> {
    await ip(['-n', SWITCH_NS, 'link', 'add', 'br0', 'type', 'bridge']);
    // No IPv6 on the switch itself: it is a dumb L2 segment.
    await sysctl(SWITCH_NS, 'net.ipv6.conf.all.disable_ipv6', 1);
    await ip(['-n', SWITCH_NS, 'link', 'set', 'br0', 'up']);
    for (const h of HOSTS) await this.plug(h);
  }

  private async plug(h: LabHost): Promise<void> {
    const port = `p-${h.name}`;
    await ip(['-n', SWITCH_NS, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', h.ns]);
    await ip(['-n', SWITCH_NS, 'link', 'set', port, 'master', 'br0', 'up']);
    await ip(['-n', h.ns, 'link', 'set', 'eth0', 'address', h.mac]);
    await ip(['-n', h.ns, 'addr', 'add', `${h.ip}/${LAN_PREFIX_LEN}`, 'dev', 'eth0']);
    await ip(['-n', h.ns, 'link', 'set', 'eth0', 'up']);
  }

  /** Router forwards (ECMP routes come from zebra). */
  async prepareRouting(): Promise<void> {
    await sysctl(ROUTER.ns, 'net.ipv4.ip_forward', 1);
    // Hash ECMP on ports too, so separate connections from the one client spread over the nodes.
    await sysctl(ROUTER.ns, 'net.ipv4.fib_multipath_hash_policy', 1);
    // The router forwards back onto the same LAN; a redirect would make the client bypass the ECMP route.
    for (const scope of ['all', 'default', 'eth0']) await sysctl(ROUTER.ns, `net.ipv4.conf.${scope}.send_redirects`, 0);
  }

  /** Deletes every lab namespace that exists (deleting a namespace removes its veth ends and the bridge). */
  async deleteNamespaces(): Promise<string[]> {
    const failed: string[] = [];
    for (const ns of existingLabNamespaces()) {
      const r = await run('ip', ['netns', 'del', ns]);
      if (r.code !== 0) failed.push(`${ns}: ${r.stderr.trim()}`);
    }
    return failed;
  }
}
