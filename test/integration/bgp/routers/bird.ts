// BIRD 2.0 as a lab router: one bgp protocol per neighbour (named from its address), RIB parsed from `show route … all`, BFD protocol.
import { waitUntil, type BgpLab } from '../lab';
import { ROUTER_ASN, ROUTER_ID, ROUTER_ROUTES, InstalledRouter, type LabRouter, type NeighborSpec, type RibPath } from './router';

/** BIRD protocol name of a neighbour: `p_` + its address with separators as `_`. */
export const birdProtocol = (address: string): string => `p_${address.replace(/[.:]/g, '_')}`;

export function birdConfig(neighbors: NeighborSpec[]): string {
  const out = [
    `router id ${ROUTER_ID};`,
    'protocol device {}',
    `protocol static { ipv4; route ${ROUTER_ROUTES.v4} blackhole; }`,
    `protocol static { ipv6; route ${ROUTER_ROUTES.v6} blackhole; }`,
    // Everything goes out (speakers also get each other's routes); the static ones carry all three community kinds.
    'filter origin { if source = RTS_STATIC then { bgp_community.add((64500,1)); bgp_large_community.add((64500,1,1)); bgp_ext_community.add((rt,64500,1)); } accept; }',
  ];
  if (neighbors.some((n) => n.bfd)) {
    out.push('protocol bfd { interface "br0" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }');
  }
  for (const n of neighbors) {
    const local = n.family === 4 ? ROUTER_ID : 'fd00:1::1';
    // iBGP is multihop with recursive next hops by default; the speakers share br0.
    const direct = n.asn === ROUTER_ASN ? '\n  direct;' : '';
    out.push(`protocol bgp ${birdProtocol(n.address)} {
  local ${local} as ${ROUTER_ASN};
  neighbor ${n.address} as ${n.asn};${direct}
  ipv${n.family} { import all; export filter origin; };${n.password ? `\n  password "${n.password}";` : ''}${n.bfd ? '\n  bfd on;' : ''}
}`);
  }
  return `${out.join('\n')}\n`;
}

/** Parses `birdc show route table masterN all`: a route line per path, then tab-indented attribute lines. */
export function parseBirdRoutes(text: string, protocols: Map<string, string>): RibPath[] {
  const out: RibPath[] = [];
  let prefix = '';
  let cur: RibPath | undefined;
  for (const line of text.split('\n')) {
    const head = /^(\S+)?\s+(?:unicast|unreachable|blackhole|prohibit)\s+\[(\S+?)\s/.exec(line);
    if (head && !line.startsWith('\t')) {
      if (head[1]) prefix = head[1];
      const peer = protocols.get(head[2] ?? '');
      cur = peer === undefined ? undefined : { prefix, peer, nextHop: '', asPath: [], communities: [], largeCommunities: [] };
      if (cur) out.push(cur);
      continue;
    }
    const attr = /^\s+BGP\.(\w+):\s*(.*)$/.exec(line);
    if (!cur || !attr) continue;
    const [, key, value = ''] = attr;
    if (key === 'next_hop') cur.nextHop = value.split(/\s+/)[0] ?? '';
    else if (key === 'as_path') cur.asPath = value.split(/\s+/).filter(Boolean).map(Number);
    else if (key === 'local_pref') cur.localPref = Number(value);
    else if (key === 'community') cur.communities = [...value.matchAll(/\((\d+),(\d+)\)/g)].map((m) => `${m[1]}:${m[2]}`);
    else if (key === 'large_community') cur.largeCommunities = [...value.matchAll(/\((\d+), (\d+), (\d+)\)/g)].map((m) => `${m[1]}:${m[2]}:${m[3]}`);
  }
  return out;
}

export class BirdRouter extends InstalledRouter implements LabRouter {
  private protocols = new Map<string, string>();

  constructor() {
    super('BIRD', true, ['/usr/sbin/bird', '/usr/sbin/birdc']);
  }

  async start(lab: BgpLab, neighbors: NeighborSpec[]): Promise<void> {
    this.lab = lab;
    this.protocols = new Map(neighbors.map((n) => [birdProtocol(n.address), n.address]));
    lab.startBird(birdConfig(neighbors));
    await waitUntil('BIRD control socket', () => lab.birdc('show status').includes('Daemon is up'), 20_000);
  }

  rib(family: 4 | 6): RibPath[] {
    return parseBirdRoutes(this.started().birdc(`show route table master${family} all`), this.protocols);
  }

  established(address: string): boolean {
    return /\bEstablished\b/.test(this.started().birdc(`show protocols ${birdProtocol(address)}`));
  }

  bfdState(address: string): string | undefined {
    const line = this.started().birdc('show bfd sessions')
      .split('\n')
      .find((l) => l.trim().split(/\s+/)[0] === address);
    return line?.trim().split(/\s+/)[2]?.toLowerCase();
  }

  sentPrefixes(address: string): number {
    const routes = /Routes:\s+\d+ imported, (\d+) exported/.exec(this.started().birdc(`show protocols all ${birdProtocol(address)}`));
    return routes ? Number(routes[1]) : 0;
  }

  reset(address: string): void {
    this.started().birdc(`restart ${birdProtocol(address)}`);
  }

  neighbor(address: string): { routerId?: string; holdTime?: number } {
    const text = this.started().birdc(`show protocols all ${birdProtocol(address)}`);
    const hold = /Hold timer:\s+[\d.]+\/(\d+)/.exec(text);
    return { routerId: /Neighbor ID:\s+(\S+)/.exec(text)?.[1], holdTime: hold ? Number(hold[1]) : undefined };
  }

  refresh(address: string): void {
    this.started().birdc(`reload in ${birdProtocol(address)}`);
  }

  describe(): string {
    return this.lab?.birdc('show protocols') ?? '';
  }
}
