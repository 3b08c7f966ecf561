// What the speaker-level interop matrix needs from a lab router (FRR, GoBGP, BIRD): start, its RIB, session and BFD views.
import { existsSync } from 'node:fs';
import type { BgpLab } from '../lab';

/** The lab router's identity: AS 64500, router ID 192.168.1.1 on br0 (192.168.1.1, fd00:1::1). */
export const ROUTER_ASN = 64500;
export const ROUTER_ID = '192.168.1.1';

/** Prefixes the router originates to every neighbour with community 64500:1, large community 64500:1:1 and extended community rt 64500:1. */
export const ROUTER_ROUTES = { v4: '10.99.0.0/16', v6: '2001:db8:99::/48' };

/** One configured neighbour: the router accepts it on exactly one address family. */
export interface NeighborSpec {
  address: string;
  asn: number;
  family: 4 | 6;
  /** TCP-MD5 key the router requires. */
  password?: string;
  /** Run BFD (300 ms × 3: robust on a loaded test machine) with this neighbour; only for routers with `bfd`. */
  bfd?: boolean;
}

/** A path in the router's own RIB, normalised across routers. */
export interface RibPath {
  prefix: string;
  /** The neighbour address the path was learned from. */
  peer: string;
  /** Global next hop as the router recorded it. */
  nextHop: string;
  asPath: number[];
  /** `ASN:VALUE`, in received order. */
  communities: string[];
  /** `GLOBAL:LOCAL1:LOCAL2`. */
  largeCommunities: string[];
  localPref?: number;
}

export interface LabRouter {
  readonly name: 'FRR' | 'GoBGP' | 'BIRD';
  /** Can this router run BFD with the speaker (and the test exercise it)? */
  readonly bfd: boolean;
  /** Is the binary installed? */
  available(): boolean;
  /** Starts the router in `lab.routerNs` with these neighbours, originating ROUTER_ROUTES; resolves once its control interface answers. */
  start(lab: BgpLab, neighbors: NeighborSpec[]): Promise<void>;
  /** All BGP paths of one family in the router's RIB. */
  rib(family: 4 | 6): RibPath[];
  /** Is the session with `address` Established, as the router sees it? */
  established(address: string): boolean;
  /** The router's BFD state for `address` ('up', 'down', … lower case), undefined when it has none. */
  bfdState(address: string): string | undefined;
  /** Asks the neighbour at `address` to send its routes again (ROUTE-REFRESH, RFC 2918); absent when the router cannot. */
  refresh?(address: string): void;
  /** How many prefixes the router has sent to `address` (its own and those learned from other speakers). */
  sentPrefixes(address: string): number;
  /** Resets the session with `address` from the router's side (NOTIFICATION Cease, then the speaker reconnects). */
  reset(address: string): void;
  /** The router's view of the neighbour: its BGP identifier and the negotiated hold time (seconds). */
  neighbor(address: string): { routerId?: string; holdTime?: number };
  /** Diagnostics appended to a failed wait: the router's neighbour summary. */
  describe(): string;
}

/** What the routers share: whether their binaries are installed, and the lab they were started in. */
export abstract class InstalledRouter {
  protected lab?: BgpLab;

  constructor(
    readonly name: LabRouter['name'],
    /** Can this router run BFD with the speaker? */
    readonly bfd: boolean,
    private readonly binaries: string[],
  ) {}

  available(): boolean {
    return this.binaries.every((b) => existsSync(b));
  }

  /** The lab of `start`; the views are only asked for after it. */
  protected started(): BgpLab {
    if (!this.lab) throw new Error('router not started');
    return this.lab;
  }
}
