// The layer2 Announcer: elects this node per Service (OwnerElection) and drives the ARP/NDP responders.
import type { Announcer, Decision, L2Advertisement, PluginConfigView, PluginContext, PluginStatus, ServiceKey, ServiceView } from '../../src/core/plugin-api';
import { canonicalIp, secretFingerprint, serviceKeyString } from '../../src/core/plugin-api';
import { advertisementsFor, electOwner, interfacesFor, subnetAwareFor, subnetInterfaces } from './owner-election';
import { NoMembership, SpeakerMembership, type MemberSource } from './membership';
import { parseLayer2Options, type Layer2Options } from './options';
import { Layer2Responders } from './responders';
import type { Claim } from './duplicates';

export interface Layer2AnnouncerDeps {
  responders?: Layer2Responders;
  members?: MemberSource;
}

const READY_WAIT_MS = 10_000;


export class Layer2Announcer implements Announcer {
  private readonly opts: Layer2Options;
  private readonly responders: Layer2Responders;
  private readonly members: MemberSource;
  private l2Advertisements: L2Advertisement[] = [];
  /** service key → IPs it announces; an IP is withdrawn when no Service needs it. */
  private readonly byService = new Map<string, string[]>();
  private readonly wanted = new Map<string, { services: Set<string>; interfaces: string[] }>();
  /** service key → its key and the ServiceL2Status last published (JSON), to publish only changes. */
  private readonly published = new Map<string, { key: ServiceKey; interfaces: string[]; json: string }>();
  private stopping?: Promise<void>;

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
        duplicateReportIntervalMs: this.opts.duplicateReportIntervalMs,
        duplicateConfirmMs: this.opts.duplicateConfirmMs,
      });
    this.responders.onDuplicate((c) => this.duplicateOwner(c));
    this.responders.onInterfacesChanged(() => this.republish());
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
      subnetAware: this.opts.subnetAware,
    });
    if (r.owner === this.ctx.nodeName) return { announce: true, reason: r.reason };
    return { announce: false, reason: r.owner ? `notOwner: ${r.owner} announces` : `notOwner: ${r.reason}` };
  }

  async setBalancer(key: ServiceKey, ips: string[], pool: string, svc: ServiceView): Promise<void> {
    // Shutting down: the handover decides when our IPs go; nothing new is announced.
    if (this.stopping) return;
    const k = serviceKeyString(key);
    const me = this.ctx.cluster.node(this.ctx.nodeName);
    const ads = advertisementsFor({ pool, service: svc, l2Advertisements: this.l2Advertisements });
    const named = me ? interfacesFor(me, ads) : [];
    const next = ips.map((ip) => canonicalIp(ip) ?? ip);
    const prev = this.byService.get(k) ?? [];
    this.byService.set(k, next);
    const used = new Set<string>();
    let everywhere = false;
    for (const ip of next) {
      // Subnet-aware: answer on the interface(s) on the VIP's subnet; L2Advertisement interfaces win.
      const interfaces = named.length > 0 || !subnetAwareFor(ads, this.opts.subnetAware) ? named : subnetInterfaces(me, ip);
      for (const i of interfaces) used.add(i);
      if (interfaces.length === 0) everywhere = true;
      const w = this.wanted.get(ip) ?? { services: new Set<string>(), interfaces };
      w.services.add(k);
      w.interfaces = interfaces;
      this.wanted.set(ip, w);
      this.responders.announce(ip, interfaces);
    }
    for (const ip of prev) if (!next.includes(ip)) this.release(k, ip);
    this.publish({ namespace: key.namespace, name: key.name }, everywhere ? [] : [...used].sort());
  }

  async deleteBalancer(key: ServiceKey): Promise<void> {
    if (this.stopping) return;
    const k = serviceKeyString(key);
    for (const ip of this.byService.get(k) ?? []) this.release(k, ip);
    this.byService.delete(k);
    this.unpublish(k);
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
      details: {
        interfaces,
        announcedIPs: this.responders.ownedIps(),
        members: this.members.members() ?? 'all nodes',
        // Which memberlist key this speaker uses (fingerprint; null: none), so doctor can find speakers on an old key.
        ...(this.opts.memberlist.enabled ? { memberlistKey: memberlistKeyFingerprint(this.ctx.secret('memberlist', 'secretkey')) } : {}),
        // IP → other MACs seen claiming it in the last minute.
        duplicateOwners: Object.fromEntries(
          this.responders
            .ownedIps()
            .map((ip) => [ip, this.responders.duplicateMacs(ip)] as const)
            .filter(([, macs]) => macs.length > 0),
        ),
      },
    };
  }

  /**
   * Graceful: leave the memberlist first (the next owner sees us go and announces), keep answering
   * until another MAC announces each of our IPs (or `handoverMs` passes), then stop answering.
   * Every call returns the same promise (the core's abort and its shutdown call both land here).
   */
  shutdown(): Promise<void> {
    this.stopping ??= this.gracefulStop();
    return this.stopping;
  }

  private async gracefulStop(): Promise<void> {
    const started = Date.now();
    const ips = this.responders.ownedIps();
    const log = this.ctx.logger;
    // Without memberlist nobody learns that we leave, and alone nobody is left to take over: no point waiting.
    const others = (this.members.members() ?? []).filter((m) => m !== this.ctx.nodeName);
    const wait = ips.length > 0 && others.length > 0 ? this.opts.handoverMs : 0;
    const handover = this.responders.handover(wait);
    try {
      await this.members.stop();
    } catch (err) {
      log.error({ event: 'memberlistLeaveFailed', error: (err as Error).message }, 'memberlist leave failed');
    }
    const r = await handover;
    if (ips.length > 0) {
      log.info(
        { event: 'handoverDone', claimed: r.claimed, unclaimed: r.unclaimed, ms: Date.now() - started },
        r.unclaimed.length === 0 ? 'every announced IP was taken over by another node' : 'stopped announcing; no other node announced some IPs',
      );
    }
    this.responders.stop();
    for (const k of [...this.published.keys()]) this.unpublish(k);
  }

  private publish(key: ServiceKey, interfaces: string[]): void {
    const k = serviceKeyString(key);
    const active = this.responders.interfaces();
    const names = interfaces.length > 0 ? active.filter((i) => interfaces.includes(i)) : active;
    const status = { interfaces: names.map((name) => ({ name })) };
    const json = JSON.stringify(status);
    if (this.published.get(k)?.json === json) return;
    this.published.set(k, { key, interfaces, json });
    this.ctx.serviceStatus.set(key, status);
  }

  private unpublish(k: string): void {
    const p = this.published.get(k);
    if (!p) return;
    this.published.delete(k);
    this.ctx.serviceStatus.delete(p.key);
  }

  /** Interfaces came or went: the ServiceL2Status of every announced Service follows. */
  private republish(): void {
    if (this.stopping) return;
    for (const p of [...this.published.values()]) this.publish(p.key, p.interfaces);
  }

  private duplicateOwner(c: Claim): void {
    const msg = `IP ${c.ip} is also answered by MAC ${c.mac} on interface ${c.interface}`;
    for (const k of this.wanted.get(c.ip)?.services ?? []) {
      const p = this.published.get(k);
      const [namespace = '', ...rest] = k.split('/');
      this.ctx.events.warning(p?.key ?? { namespace, name: rest.join('/') }, 'duplicateOwner', msg);
    }
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
      registry: this.ctx.metrics,
      peers: () =>
        ml.join ??
        this.ctx.cluster
          .nodes()
          .flatMap((n) => (n.name !== this.ctx.nodeName && n.addresses[0] !== undefined ? [n.addresses[0]] : []))
          .map((a) => (a.includes(':') ? `[${a}]:${port}` : `${a}:${port}`)),
    });
  }
}

function memberlistKeyFingerprint(secret: string | undefined): string | null {
  return secret ? secretFingerprint(secret) : null;
}

export function createLayer2Announcer(ctx: PluginContext, deps?: Layer2AnnouncerDeps): Layer2Announcer {
  return new Layer2Announcer(ctx, deps);
}
