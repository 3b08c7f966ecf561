// GoBGP 3.10 (Debian gobgpd + gobgp CLI) as a lab router: passive neighbours, RIB from `gobgp global rib -j`. No BFD in GoBGP.
import { waitUntil, type BgpLab } from '../lab';
import { ROUTER_ASN, ROUTER_ID, ROUTER_ROUTES, InstalledRouter, type LabRouter, type NeighborSpec, type RibPath } from './router';

interface GobgpAttr {
  type: number;
  value?: unknown;
  as_paths?: Array<{ segment_type: number; asns: number[] }>;
  communities?: number[];
  nexthop?: string;
}
type GobgpRib = Record<string, Array<{ attrs: GobgpAttr[]; 'neighbor-ip'?: string }>>;
interface GobgpNeighbor {
  conf?: { neighbor_address?: string };
  state?: { neighbor_address?: string; session_state?: number | string; router_id?: string };
  timers?: { state?: { negotiated_hold_time?: number } };
}

export function gobgpConfig(neighbors: NeighborSpec[]): string {
  const blocks = neighbors.map(
    (n) => `[[neighbors]]
  [neighbors.config]
    neighbor-address = "${n.address}"
    peer-as = ${n.asn}${n.password ? `\n    auth-password = "${n.password}"` : ''}
  [neighbors.transport.config]
    passive-mode = true
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv${n.family}-unicast"
`,
  );
  return `[global.config]
  as = ${ROUTER_ASN}
  router-id = "${ROUTER_ID}"

${blocks.join('\n')}`;
}

/** GoBGP's session_state enum (api.PeerState_SessionState): 6 = ESTABLISHED. */
const ESTABLISHED = new Set<number | string>([6, 'ESTABLISHED', 'established']);

export class GobgpRouter extends InstalledRouter implements LabRouter {

  constructor() {
    super('GoBGP', false, ['/usr/bin/gobgpd', '/usr/bin/gobgp']);
  }

  async start(lab: BgpLab, neighbors: NeighborSpec[]): Promise<void> {
    if (neighbors.some((n) => n.bfd)) throw new Error('GoBGP has no BFD');
    this.lab = lab;
    lab.startGobgp(gobgpConfig(neighbors));
    await waitUntil('gobgpd API', () => Array.isArray(lab.gobgp(['neighbor'])), 20_000, 500);
    const cli = (args: string[]) => lab.exec(lab.routerNs, 'gobgp', ['-u', '127.0.0.1', '-p', '50051', ...args]);
    const attrs = ['community', '64500:1', 'large-community', '64500:1:1', 'rt', '64500:1'];
    cli(['global', 'rib', 'add', ROUTER_ROUTES.v4, 'nexthop', ROUTER_ID, ...attrs, '-a', 'ipv4']);
    cli(['global', 'rib', 'add', ROUTER_ROUTES.v6, 'nexthop', 'fd00:1::1', ...attrs, '-a', 'ipv6']);
  }

  rib(family: 4 | 6): RibPath[] {
    const rib = this.started().gobgp<GobgpRib>(['global', 'rib', '-a', `ipv${family}`]);
    const out: RibPath[] = [];
    for (const [prefix, paths] of Object.entries(rib)) {
      for (const p of paths) {
        const attr = (t: number) => p.attrs.find((a) => a.type === t);
        const large = (attr(32)?.value as Array<{ ASN: number; LocalData1: number; LocalData2: number }> | undefined) ?? [];
        out.push({
          prefix,
          peer: p['neighbor-ip'] ?? '',
          nextHop: (family === 4 ? attr(3)?.nexthop : undefined) ?? attr(14)?.nexthop ?? '',
          asPath: (attr(2)?.as_paths ?? []).flatMap((s) => s.asns),
          communities: (attr(8)?.communities ?? []).map((c) => `${Math.floor(c / 65536)}:${c % 65536}`),
          largeCommunities: large.map((l) => `${l.ASN}:${l.LocalData1}:${l.LocalData2}`),
          localPref: attr(5)?.value as number | undefined,
        });
      }
    }
    return out;
  }

  private neighbors(): GobgpNeighbor[] {
    return this.started().gobgp<GobgpNeighbor[]>(['neighbor']);
  }

  established(address: string): boolean {
    const n = this.neighbors().find((x) => (x.state?.neighbor_address ?? x.conf?.neighbor_address) === address);
    return n?.state?.session_state !== undefined && ESTABLISHED.has(n.state.session_state);
  }

  sentPrefixes(address: string): number {
    const n = this.started().gobgp<{ afi_safis?: Array<{ state?: { advertised?: number } }> }>(['neighbor', address]);
    return (n.afi_safis ?? []).reduce((sum, af) => sum + (af.state?.advertised ?? 0), 0);
  }

  reset(address: string): void {
    this.started().exec(this.started().routerNs, 'gobgp', ['-u', '127.0.0.1', '-p', '50051', 'neighbor', address, 'reset']);
  }

  neighbor(address: string): { routerId?: string; holdTime?: number } {
    const n = this.started().gobgp<GobgpNeighbor>(['neighbor', address]);
    return { routerId: n.state?.router_id, holdTime: n.timers?.state?.negotiated_hold_time };
  }

  bfdState(): string | undefined {
    return undefined;
  }

  describe(): string {
    return this.lab ? this.lab.exec(this.lab.routerNs, 'gobgp', ['-u', '127.0.0.1', '-p', '50051', 'neighbor'], { allowFail: true }) : '';
  }
}
