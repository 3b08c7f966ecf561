// The layer2 Announcer: elects this node per Service (OwnerElection) and drives the ARP/NDP responders.
import type {
  Announcer,
  Decision,
  L2Advertisement,
  PluginConfigView,
  PluginContext,
  PluginStatus,
  ServiceKey,
  ServiceView,
} from '../../src/core/plugin-api';
import { canonicalIp } from '../../src/core/net/ip';
import { advertisementsFor, electOwner, interfacesFor } from './owner-election';
import { NoMembership, SpeakerMembership, type MemberSource } from './membership';
import { parseLayer2Options, type Layer2Options } from './options';
import { Layer2Responders } from './responders';

export interface Layer2AnnouncerDeps {
  responders?: Layer2Responders;
  members?: MemberSource;
}

const READY_WAIT_MS = 10_000;

const keyString = (k: ServiceKey): string => `${k.namespace}/${k.name}`;

export class Layer2Announcer implements Announcer {
  private readonly opts: Layer2Options;
  private readonly responders: Layer2Responders;
  private readonly members: MemberSource;
  private l2Advertisements: L2Advertisement[] = [];
  /** service key → IPs it announces; an IP is withdrawn when no Service needs it. */
  private readonly byService = new Map<string, string[]>();
  private readonly wanted = new Map<string, { services: Set<string>; interfaces: string[] }>();
  private stopped = false;

  constructor(
    private readonly ctx: PluginContext,
    deps: Layer2AnnouncerDeps = {},
  ) {
    this.opts = parseLayer2Options(ctx.options);
    this.responders =
      deps.responders ??
      new Layer2Responders({
        logger: ctx.logger,
        registry: ctx.metrics,
        interfaces: this.opts.interfaces,
        rescanMs: this.opts.rescanMs,
        gratuitous: this.opts.gratuitous,
        ipv6: this.opts.ipv6,
        requestLogLevel: this.opts.requestLogLevel,
      });
    this.responders.start();
    this.members = deps.members ?? this.defaultMembers();
    this.members.onChange(() => ctx.requestResync('memberlist membership changed'));
    ctx.signal.addEventListener('abort', () => void this.shutdown(), { once: true });
  }

  async setConfig(cfg: PluginConfigView): Promise<void> {
    this.l2Advertisements = cfg.l2Advertisements;
    // The first decisions wait (bounded) for memberlist to start and join, as MetalLB joins before its loops start.
    if (this.members.ready) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.members.ready, new Promise<void>((r) => (timer = setTimeout(r, READY_WAIT_MS)))]);
      clearTimeout(timer);
    }
  }

  shouldAnnounce(svc: ServiceView, pool: string): Decision {
    const r = electOwner({
      service: svc,
      pool,
      nodes: this.ctx.cluster.nodes(),
      members: this.members.members(),
      endpoints: this.ctx.cluster.endpoints(svc),
      l2Advertisements: this.l2Advertisements,
    });
    if (r.owner === this.ctx.nodeName) return { announce: true, reason: r.reason };
    return { announce: false, reason: r.owner ? `notOwner: ${r.owner} announces` : `notOwner: ${r.reason}` };
  }

  async setBalancer(key: ServiceKey, ips: string[], pool: string, svc: ServiceView): Promise<void> {
    const k = keyString(key);
    const me = this.ctx.cluster.node(this.ctx.nodeName);
    const ads = advertisementsFor({ pool, service: svc, l2Advertisements: this.l2Advertisements });
    const interfaces = me ? interfacesFor(me, ads) : [];
    const next = ips.map((ip) => canonicalIp(ip) ?? ip);
    const prev = this.byService.get(k) ?? [];
    this.byService.set(k, next);
    for (const ip of next) {
      const w = this.wanted.get(ip) ?? { services: new Set<string>(), interfaces };
      w.services.add(k);
      w.interfaces = interfaces;
      this.wanted.set(ip, w);
      this.responders.announce(ip, interfaces);
    }
    for (const ip of prev) if (!next.includes(ip)) this.release(k, ip);
  }

  async deleteBalancer(key: ServiceKey): Promise<void> {
    const k = keyString(key);
    for (const ip of this.byService.get(k) ?? []) this.release(k, ip);
    this.byService.delete(k);
  }

  status(): PluginStatus {
    const m = this.members.status();
    const interfaces = this.responders.interfaces();
    const errors = this.responders.errors();
    const problems = [
      ...(m.healthy ? [] : [m.message ?? 'memberlist unhealthy']),
      ...(interfaces.length === 0 ? ['no eligible interface for ARP/NDP'] : []),
      ...Object.entries(errors).map(([i, e]) => `${i}: ${e}`),
    ];
    return {
      healthy: problems.length === 0,
      message: problems.length > 0 ? problems.join('; ') : m.message,
      details: { interfaces, announcedIPs: this.responders.ownedIps(), members: this.members.members() ?? 'all nodes' },
    };
  }

  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.responders.stop();
    await this.members.stop();
  }

  private release(k: string, ip: string): void {
    const w = this.wanted.get(ip);
    w?.services.delete(k);
    if (w && w.services.size > 0) return;
    this.wanted.delete(ip);
    this.responders.withdraw(ip);
  }

  private defaultMembers(): MemberSource {
    const ml = this.opts.memberlist;
    if (!ml.enabled) return new NoMembership();
    const self = this.ctx.cluster.node(this.ctx.nodeName);
    const port = ml.bindPort;
    return new SpeakerMembership({
      nodeName: this.ctx.nodeName,
      settings: { ...ml, bindAddr: ml.bindAddr ?? self?.addresses[0] },
      secret: this.ctx.secret('memberlist', 'secretkey'),
      logger: this.ctx.logger,
      peers: () =>
        ml.join ??
        this.ctx.cluster
          .nodes()
          .filter((n) => n.name !== this.ctx.nodeName && n.addresses.length > 0)
          .map((n) => (n.addresses[0].includes(':') ? `[${n.addresses[0]}]:${port}` : `${n.addresses[0]}:${port}`)),
    });
  }
}

export function createLayer2Announcer(ctx: PluginContext, deps?: Layer2AnnouncerDeps): Layer2Announcer {
  return new Layer2Announcer(ctx, deps);
}
