// The bgp plugin's Announcer: peers → sessions, Services → aggregated prefixes per peer, incremental.
import type { Announcer, BgpAdvertisement, Community, Decision, Peer, PluginConfigView, PluginContext, PluginStatus, ServiceKey, ServiceView } from '../../src/core/plugin-api';
import { parseServiceKey, serviceKeyString } from '../../src/core/plugin-api';
import { canonicalPrefix } from './codec';
import type { RouteAttributes } from './adj-rib-out';
import { BgpSession } from './session';
import type { BgpSessionOptions } from './session-options';
import type { SessionState } from './session';
import { anySelectorMatches } from './selectors';
import { nativeBfdSessions, type BfdLike, type BfdSessions } from './bfd/peer-bfd';
import { stopPeer } from './peer-shutdown';

/** What the announcer needs from a session (BgpSession, or a fake in tests). */
export interface SessionLike {
  readonly state: SessionState;
  readonly announcedCount: number;
  /** Why it last went down or failed to connect. */
  readonly lastError?: string;
  start(): void;
  announce(prefix: string, attrs?: RouteAttributes): string;
  withdraw(prefix: string): boolean;
  stop(opts?: { withdraw?: boolean; graceful?: boolean }): Promise<void>;
  /** The initial table is complete: End-of-RIB may go out. */
  endOfRibReady?(): void;
  /** Drops the session at once (BFD Down) and lets it reconnect. */
  reset?(reason: string): void;
  /** Reconnects now instead of after the backoff (BFD Up again). */
  retryNow?(): void;
}

export type SessionFactory = (opts: BgpSessionOptions) => SessionLike;

/** Seconds the router keeps our routes after a restart (`enableGracefulRestart`); FRR's and MetalLB's default. */
export const GRACEFUL_RESTART_TIME = 120;

const EXCLUDE_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

interface PeerSlot {
  peer: Peer;
  signature: string;
  session: SessionLike;
  bfd?: BfdLike;
}

type Contribution = Map<string, Map<string, RouteAttributes>>; // peer → prefix → attrs

function mergeAttributes(list: Iterable<RouteAttributes>): RouteAttributes {
  const out: RouteAttributes = {};
  const comm = new Set<number>();
  const large = new Map<string, { global: number; local1: number; local2: number }>();
  for (const a of list) {
    if (a.localPref !== undefined) out.localPref = Math.max(out.localPref ?? 0, a.localPref);
    for (const c of a.communities ?? []) comm.add(c);
    for (const l of a.largeCommunities ?? []) large.set(`${l.global}:${l.local1}:${l.local2}`, l);
  }
  if (comm.size) out.communities = [...comm];
  if (large.size) out.largeCommunities = [...large.values()];
  return out;
}

function advertisementAttributes(ad: BgpAdvertisement): RouteAttributes {
  const std = ad.communities.filter((c): c is Extract<Community, { kind: 'standard' }> => c.kind === 'standard').map((c) => c.value);
  const large = ad.communities.filter((c): c is Extract<Community, { kind: 'large' }> => c.kind === 'large').map(({ global, local1, local2 }) => ({ global, local1, local2 }));
  const a: RouteAttributes = {};
  if (ad.localPref !== undefined) a.localPref = ad.localPref;
  if (std.length) a.communities = std;
  if (large.length) a.largeCommunities = large;
  return a;
}

/** The families a peer's session carries: its own, or both with dualStackAddressFamily. */
export function sessionFamilies(p: Peer): Array<4 | 6> {
  if (p.dualStackAddressFamily) return [4, 6];
  return [p.peerAddress.includes(':') ? 6 : 4];
}

export class BgpAnnouncer implements Announcer {
  private config?: PluginConfigView;
  private readonly peers = new Map<string, PeerSlot>();
  private readonly balancers = new Map<string, { ips: string[]; pool: string; svc: ServiceView }>();
  private readonly contributions = new Map<string, Contribution>();
  /** peer → prefix → service key → attrs */
  private readonly routes = new Map<string, Map<string, Map<string, RouteAttributes>>>();
  /** service key → the peer names last published in its ServiceBGPStatus (sorted, joined). */
  private readonly published = new Map<string, string>();
  private readonly unsubscribe: () => void;
  /** The speaker's initial sync is done: new sessions send End-of-RIB right after their table. */
  private synced: boolean;

  constructor(
    private readonly ctx: PluginContext,
    private readonly createSession: SessionFactory = (o) => new BgpSession(o),
    private readonly bfdSessions: BfdSessions = nativeBfdSessions({ logger: ctx.logger, metrics: ctx.metrics }),
  ) {
    this.synced = ctx.initialSync === undefined;
    // After a restart the router drops the stale routes we have not re-announced when it sees End-of-RIB.
    void ctx.initialSync?.then(() => {
      this.synced = true;
      for (const slot of this.peers.values()) slot.session.endOfRibReady?.();
    });
    this.unsubscribe = ctx.cluster.onChange(() => {
      // Node labels select peers and advertisements.
      if (this.config && this.syncPeers()) {
        this.reapplyAll();
        ctx.requestResync('bgp peers selecting this node changed');
      }
    });
  }

  private nodeLabels(): Record<string, string> {
    return this.ctx.cluster.node(this.ctx.nodeName)?.labels ?? {};
  }

  async setConfig(cfg: PluginConfigView): Promise<void> {
    this.config = cfg;
    this.syncPeers();
    this.reapplyAll();
  }

  /** Creates, replaces and stops sessions to match the peers selecting this node; true when anything changed. */
  private syncPeers(): boolean {
    const labels = this.nodeLabels();
    const wanted = new Map((this.config?.peers ?? []).filter((p) => anySelectorMatches(p.nodeSelectors, labels)).map((p) => [p.name, p]));
    let changed = false;
    for (const [name, slot] of this.peers) {
      const p = wanted.get(name);
      if (!p || this.signature(p) !== slot.signature) {
        this.peers.delete(name);
        this.routes.delete(name);
        slot.bfd?.stop();
        void slot.session.stop({ withdraw: true });
        this.ctx.logger.info({ event: 'peerRemoved', peer: name }, 'BGP peer removed or changed');
        changed = true;
      }
    }
    for (const [name, p] of wanted) {
      if (this.peers.has(name)) continue;
      if (p.passwordSecret && p.password === undefined) {
        this.ctx.logger.error({ event: 'peerSkipped', peer: name, secret: p.passwordSecret.name }, 'BGP peer has a passwordSecret but no password was read; not connecting without it');
        continue;
      }
      const session = this.createSession(this.sessionOptions(p));
      const slot: PeerSlot = { peer: p, signature: this.signature(p), session };
      this.peers.set(name, slot);
      slot.bfd = this.startBfd(p, session);
      session.start();
      this.ctx.logger.info({ event: 'peerAdded', peer: name, address: p.peerAddress }, 'BGP peer added');
      changed = true;
    }
    return changed;
  }

  private signature(p: Peer): string {
    const { source: _s, nodeSelectors: _n, name: _name, ...rest } = p;
    const bfd = this.bfdProfile(p);
    return JSON.stringify([rest, this.password(p), bfd && { ...bfd, source: undefined }]);
  }

  private bfdProfile(p: Peer) {
    return p.bfdProfile === undefined ? undefined : this.config?.bfdProfiles?.find((b) => b.name === p.bfdProfile);
  }

  /** A BFD session for peers naming a profile; its Down drops the BGP session at once. */
  private startBfd(p: Peer, session: SessionLike): BfdLike | undefined {
    if (p.bfdProfile === undefined) return undefined;
    const profile = this.bfdProfile(p);
    if (!profile) {
      this.ctx.logger.error({ event: 'bfdProfileMissing', peer: p.name, profile: p.bfdProfile }, 'BGP peer names an unknown BFD profile; no BFD');
      return undefined;
    }
    if (profile.echoMode) {
      this.ctx.logger.warn({ event: 'bfdEchoUnsupported', peer: p.name, profile: profile.name }, 'BFD echo mode is not supported; running asynchronous mode only');
    }
    try {
      const bfd = this.bfdSessions.create(p, profile);
      bfd.on('down', ({ diag }) => {
        this.ctx.logger.warn({ event: 'bfdDown', peer: p.name, diag }, 'BFD session down: dropping the BGP session');
        session.reset?.(`BFD down (diag ${diag})`);
      });
      bfd.on('up', () => session.retryNow?.());
      bfd.start();
      return bfd;
    } catch (err) {
      this.ctx.logger.error({ event: 'bfdFailed', peer: p.name, error: (err as Error).message }, 'cannot start BFD for the peer');
      return undefined;
    }
  }

  /** The core fills `password` from passwordSecret (or rejects the config); never fall back to no MD5. */
  private password(p: Peer): string | undefined {
    return p.password;
  }

  private sessionOptions(p: Peer): BgpSessionOptions {
    return {
      name: p.name,
      peerAddress: p.peerAddress,
      peerPort: p.peerPort,
      sourceAddress: p.sourceAddress,
      myAsn: p.myASN,
      peerAsn: p.peerASN,
      routerId: p.routerID,
      holdTime: p.holdTime,
      keepaliveTime: p.keepaliveTime,
      connectTime: p.connectTime,
      ebgpMultihop: p.ebgpMultiHop,
      password: this.password(p),
      gracefulRestart: p.enableGracefulRestart ? { restartTime: GRACEFUL_RESTART_TIME } : undefined,
      deferEndOfRib: !this.synced,
      vrf: p.vrf,
      vrfSource: p.vrf === undefined ? undefined : `${p.source.path}.spec.vrf`,
      families: sessionFamilies(p),
      logger: this.ctx.logger,
      metrics: this.ctx.metrics,
    };
  }

  /** Advertisements that apply to `pool` on this node (and to `svc`, when given). */
  private advertisements(pool: string, svc?: ServiceView): BgpAdvertisement[] {
    const labels = this.nodeLabels();
    return (this.config?.bgpAdvertisements ?? []).filter(
      (a) => a.pools.includes(pool) && anySelectorMatches(a.nodeSelectors, labels) && (!svc || anySelectorMatches(a.serviceSelectors, svc.labels)),
    );
  }

  shouldAnnounce(svc: ServiceView, pool: string): Decision {
    const node = this.ctx.cluster.node(this.ctx.nodeName);
    if (node && Object.prototype.hasOwnProperty.call(node.labels, EXCLUDE_LABEL)) return { announce: false, reason: 'nodeLabeledExcluded' };
    if (this.advertisements(pool, svc).length === 0) return { announce: false, reason: 'noMatchingAdvertisement' };
    if (this.peers.size === 0) return { announce: false, reason: 'noPeerSelectsThisNode' };
    const eps = this.ctx.cluster.endpoints(svc);
    const ready = svc.externalTrafficPolicy === 'Local' ? eps.filter((e) => e.ready && e.nodeName === this.ctx.nodeName) : eps.filter((e) => e.ready);
    if (ready.length === 0) return { announce: false, reason: svc.externalTrafficPolicy === 'Local' ? 'noLocalReadyEndpoint' : 'noReadyEndpoint' };
    return { announce: true, reason: 'hasReadyEndpoint' };
  }

  async setBalancer(key: ServiceKey, ips: string[], pool: string, svc: ServiceView): Promise<void> {
    this.balancers.set(serviceKeyString(key), { ips: [...ips], pool, svc });
    this.apply(serviceKeyString(key));
  }

  async deleteBalancer(key: ServiceKey): Promise<void> {
    this.balancers.delete(serviceKeyString(key));
    this.apply(serviceKeyString(key));
  }

  private reapplyAll(): void {
    for (const k of new Set([...this.balancers.keys(), ...this.contributions.keys()])) this.apply(k, true);
  }

  /** What service `k` should contribute: peer → prefix → attributes. */
  private compute(k: string): Contribution {
    const out: Contribution = new Map();
    const b = this.balancers.get(k);
    if (!b) return out;
    for (const ad of this.advertisements(b.pool, b.svc)) {
      const attrs = advertisementAttributes(ad);
      const peers = [...this.peers.entries()].filter(([name]) => ad.peers.length === 0 || ad.peers.includes(name));
      for (const ip of b.ips) {
        const family = ip.includes(':') ? 6 : 4;
        const len = family === 6 ? ad.aggregationLengthV6 : ad.aggregationLength;
        const prefix = canonicalPrefix(`${ip}/${len}`);
        for (const [peer, slot] of peers) {
          // A session carries the other family's prefixes only with dualStackAddressFamily (as MetalLB's FRR mode).
          if (!sessionFamilies(slot.peer).includes(family)) continue;
          let m = out.get(peer);
          if (!m) out.set(peer, (m = new Map()));
          const prev = m.get(prefix);
          m.set(prefix, prev ? mergeAttributes([prev, attrs]) : attrs);
        }
      }
    }
    return out;
  }

  /** Replaces service `k`'s contribution and re-syncs only the (peer, prefix) pairs it touches. */
  private apply(k: string, force = false): void {
    const next = this.compute(k);
    const prev = this.contributions.get(k) ?? new Map();
    const touched: Array<[string, string]> = [];
    for (const [peer, m] of prev) {
      for (const prefix of m.keys()) {
        if (!next.get(peer)?.has(prefix)) {
          this.routes.get(peer)?.get(prefix)?.delete(k);
          touched.push([peer, prefix]);
        }
      }
    }
    for (const [peer, m] of next) {
      let table = this.routes.get(peer);
      if (!table) this.routes.set(peer, (table = new Map()));
      for (const [prefix, attrs] of m) {
        let owners = table.get(prefix);
        if (!owners) table.set(prefix, (owners = new Map()));
        owners.set(k, attrs);
        touched.push([peer, prefix]);
      }
    }
    if (next.size) this.contributions.set(k, next);
    else this.contributions.delete(k);
    this.publishStatus(k, [...next.keys()]);
    if (!force && touched.length === 0) return;
    for (const [peer, prefix] of touched) this.syncRoute(peer, prefix);
  }

  /** ServiceBGPStatus: the peers this node advertises service `k` to; deleted when it advertises to none. */
  private publishStatus(k: string, peers: string[]): void {
    if (peers.length === 0) {
      if (this.published.delete(k)) this.ctx.serviceStatus.delete(parseServiceKey(k));
      return;
    }
    const sorted = [...peers].sort();
    const sig = sorted.join('\n');
    if (this.published.get(k) === sig) return;
    this.published.set(k, sig);
    this.ctx.serviceStatus.set(parseServiceKey(k), { peers: sorted });
  }

  private syncRoute(peer: string, prefix: string): void {
    const slot = this.peers.get(peer);
    const owners = this.routes.get(peer)?.get(prefix);
    if (!owners || owners.size === 0) {
      this.routes.get(peer)?.delete(prefix);
      slot?.session.withdraw(prefix);
      return;
    }
    slot?.session.announce(prefix, mergeAttributes(owners.values()));
  }

  status(): PluginStatus {
    const sessions = [...this.peers.entries()].map(([name, s]) => ({
      peer: name,
      address: s.peer.peerAddress,
      state: s.session.state,
      announced: s.session.announcedCount,
      ...(s.session.state !== 'Established' && s.session.lastError ? { lastError: s.session.lastError } : {}),
      ...(s.bfd ? { bfd: s.bfd.state } : {}),
    }));
    const up = sessions.filter((s) => s.state === 'Established').length;
    return { healthy: true, message: `${up}/${sessions.length} BGP sessions established`, details: { sessions } };
  }

  async shutdown(): Promise<void> {
    this.unsubscribe();
    const slots = [...this.peers.values()];
    this.peers.clear();
    // Everything is withdrawn: this node advertises no Service any more.
    for (const k of [...this.published.keys()]) this.publishStatus(k, []);
    // Graceful restart: the routes stay at the router (stale) while the speaker restarts; the node keeps serving them.
    await Promise.all(slots.map((s) => stopPeer(s.session, s.bfd, s.peer.enableGracefulRestart === true)));
    this.bfdSessions.close();
  }
}
