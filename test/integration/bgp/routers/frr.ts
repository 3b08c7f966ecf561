// FRR 8.4 (bgpd, zebra, bfdd) as a lab router: per-neighbour config, RIB from `show bgp … json`, BFD from `show bfd peers json`.
import { waitUntil, type BgpLab } from '../lab';
import { ROUTER_ASN, ROUTER_ID, ROUTER_ROUTES, InstalledRouter, type LabRouter, type NeighborSpec, type RibPath } from './router';

interface FrrPath {
  aspath?: { string?: string; segments?: Array<{ list?: number[] }> };
  community?: { list?: string[]; string?: string };
  largeCommunity?: { list?: string[]; string?: string };
  locPrf?: number;
  nexthops?: Array<{ ip: string; scope?: string }>;
  peer?: { peerId?: string };
}

/** bfdd.conf: the profile the matrix's BFDProfile matches (300 ms × 3). */
const BFDD_INTEROP = `bfd
 profile interop
  detect-multiplier 3
  receive-interval 300
  transmit-interval 300
 !
!
`;

export function frrConfig(neighbors: NeighborSpec[]): string {
  const lines = [
    'frr defaults traditional',
    'hostname R',
    `router bgp ${ROUTER_ASN}`,
    ` bgp router-id ${ROUTER_ID}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' no bgp network import-check',
    ' bgp bestpath as-path multipath-relax',
  ];
  for (const n of neighbors) {
    lines.push(` neighbor ${n.address} remote-as ${n.asn}`);
    if (n.password) lines.push(` neighbor ${n.address} password ${n.password}`);
    if (n.bfd) lines.push(` neighbor ${n.address} bfd`, ` neighbor ${n.address} bfd profile interop`);
  }
  for (const family of [4, 6] as const) {
    lines.push(` address-family ipv${family} unicast`, `  network ${family === 4 ? ROUTER_ROUTES.v4 : ROUTER_ROUTES.v6} route-map ORIGIN`);
    for (const n of neighbors.filter((x) => x.family === family)) lines.push(`  neighbor ${n.address} activate`);
    lines.push(' exit-address-family');
  }
  lines.push('route-map ORIGIN permit 10', ' set community 64500:1', ' set large-community 64500:1:1', ' set extcommunity rt 64500:1');
  return `${lines.join('\n')}\n`;
}

export class FrrRouter extends InstalledRouter implements LabRouter {

  constructor() {
    super('FRR', true, ['/usr/lib/frr/bgpd', '/usr/lib/frr/bfdd']);
  }

  async start(lab: BgpLab, neighbors: NeighborSpec[]): Promise<void> {
    this.lab = lab;
    lab.startFrr(frrConfig(neighbors), neighbors.some((n) => n.bfd) ? BFDD_INTEROP : undefined);
    await waitUntil('FRR bgpd', () => lab.vtysh('show bgp summary json').length > 0, 20_000);
  }

  rib(family: 4 | 6): RibPath[] {
    const lab = this.started();
    const afi = `ipv${family}`;
    const routes = lab.vtyshJson<{ routes?: Record<string, unknown> }>(`show bgp ${afi} unicast json`).routes ?? {};
    const out: RibPath[] = [];
    for (const prefix of Object.keys(routes)) {
      const paths = lab.vtyshJson<{ paths?: FrrPath[] }>(`show bgp ${afi} unicast ${prefix} json`).paths ?? [];
      for (const p of paths) {
        const hop = p.nexthops?.find((h) => h.scope !== 'link-local') ?? p.nexthops?.[0];
        out.push({
          prefix,
          peer: p.peer?.peerId ?? '',
          nextHop: hop?.ip ?? '',
          asPath: (p.aspath?.segments ?? []).flatMap((s) => s.list ?? []),
          communities: p.community?.string ? p.community.string.split(' ') : [],
          largeCommunities: p.largeCommunity?.string ? p.largeCommunity.string.split(' ') : [],
          localPref: p.locPrf,
        });
      }
    }
    return out;
  }

  established(address: string): boolean {
    const j = this.started().vtyshJson<Record<string, { bgpState?: string }>>(`show bgp neighbors ${address} json`);
    return j[address]?.bgpState === 'Established';
  }

  bfdState(address: string): string | undefined {
    const peers = this.started().vtyshJson<Array<{ peer: string; status: string }>>('show bfd peers json');
    return peers.find((p) => p.peer === address)?.status;
  }

  sentPrefixes(address: string): number {
    const n = this.started().vtyshJson<Record<string, { addressFamilyInfo?: Record<string, { sentPrefixCounter?: number }> }>>(`show bgp neighbors ${address} json`)[address];
    return Object.values(n?.addressFamilyInfo ?? {}).reduce((sum, af) => sum + (af.sentPrefixCounter ?? 0), 0);
  }

  reset(address: string): void {
    this.started().vtysh(`clear bgp ${address}`);
  }

  neighbor(address: string): { routerId?: string; holdTime?: number } {
    const n = this.started().vtyshJson<Record<string, { remoteRouterId?: string; bgpTimerHoldTimeMsecs?: number }>>(`show bgp neighbors ${address} json`)[address];
    return { routerId: n?.remoteRouterId, holdTime: n?.bgpTimerHoldTimeMsecs === undefined ? undefined : n.bgpTimerHoldTimeMsecs / 1000 };
  }

  refresh(address: string): void {
    this.started().vtysh(`clear bgp ${address} soft in`);
  }

  describe(): string {
    return this.lab?.vtysh('show bgp summary') ?? '';
  }
}
