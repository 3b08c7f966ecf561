// Keeps one ARP and one NDP responder per eligible interface (rescanned every 10 s) and the set of IPs they answer for.
import { canonicalIp, parseIp, type Logger } from '../../src/core/plugin-api';
import type { Registry } from 'prom-client';
import { ArpResponder } from './arp-responder';
import { DuplicateTracker, type Claim } from './duplicates';
import { GratuitousScheduler, METALLB_GRATUITOUS, type GratuitousTiming } from './gratuitous';
import { Handover, type HandoverResult } from './handover';
import { eligible, SysfsInterfaces, type InterfaceInfo, type InterfaceSource } from './interfaces';
import { Layer2Metrics } from './metrics';
import { NdpResponder } from './ndp-responder';
import { systemTransports, type TransportFactory } from './transport';

export const RESCAN_INTERVAL_MS = 10_000;

export interface Layer2RespondersOptions {
  logger: Logger;
  registry?: Registry;
  metrics?: Layer2Metrics;
  /** Only these interfaces (empty = every eligible one). */
  interfaces?: string[];
  /** The interface list was given by an operator: skip MetalLB's name exclusions. */
  explicitInterfaces?: boolean;
  rescanMs?: number;
  gratuitous?: GratuitousTiming;
  source?: InterfaceSource;
  transports?: TransportFactory;
  /** Whether to open NDP sockets (default true). */
  ipv6?: boolean;
  /** Level of the per-request log line (default info). */
  requestLogLevel?: 'info' | 'debug';
  /** At most one duplicate-owner report per ip/mac/interface in this interval (default 60 s). */
  duplicateReportIntervalMs?: number;
  /**
   * A claim is reported only if we still announce the IP this long after it (default 2 s): during
   * an ownership change the old and new owner briefly overlap, which is no duplicate.
   */
  duplicateConfirmMs?: number;
}

interface Responders {
  info: InterfaceInfo;
  arp?: ArpResponder;
  ndp?: NdpResponder;
  /** Why a responder could not be opened. */
  error?: string;
}

interface Ownership {
  family: 4 | 6;
  /** Interfaces this IP is announced on; empty = all. */
  interfaces: string[];
  /** When we started announcing it (Date.now()). */
  since: number;
}

export class Layer2Responders {
  private readonly logger: Logger;
  readonly metrics: Layer2Metrics;
  private readonly source: InterfaceSource;
  private readonly transports: TransportFactory;
  private readonly byIface = new Map<string, Responders>();
  private readonly owned = new Map<string, Ownership>();
  private readonly gratuitous: GratuitousScheduler;
  private readonly duplicates: DuplicateTracker;
  /** Set once a graceful handover starts: which owned IPs the next owners took. */
  private leaving?: Handover;
  private readonly duplicateListeners: Array<(c: Claim) => void> = [];
  private readonly interfaceListeners: Array<(interfaces: string[]) => void> = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly opts: Layer2RespondersOptions) {
    this.logger = opts.logger;
    this.metrics = opts.metrics ?? new Layer2Metrics(opts.registry);
    this.source = opts.source ?? new SysfsInterfaces();
    this.transports = opts.transports ?? systemTransports;
    this.gratuitous = new GratuitousScheduler((ip) => this.gratuitousRound(ip), opts.gratuitous ?? METALLB_GRATUITOUS);
    this.duplicates = new DuplicateTracker({
      metrics: this.metrics,
      reportIntervalMs: opts.duplicateReportIntervalMs,
      confirmMs: opts.duplicateConfirmMs,
      onReport: (c) => this.report(c),
    });
  }

  /** Another MAC claims an IP we announce (rate-limited: once per ip/mac/interface per `duplicateReportIntervalMs`). */
  onDuplicate(cb: (claim: Claim) => void): void {
    this.duplicateListeners.push(cb);
  }

  /** The set of interfaces with responders changed (after a rescan). */
  onInterfacesChanged(cb: (interfaces: string[]) => void): void {
    this.interfaceListeners.push(cb);
  }

  /** Scans interfaces now and then every `rescanMs`. */
  start(): void {
    this.rescan();
    if (this.timer) return;
    this.timer = setInterval(() => this.rescan(), this.opts.rescanMs ?? RESCAN_INTERVAL_MS);
    this.timer.unref();
  }

  interfaces(): string[] {
    return [...this.byIface.keys()].sort();
  }

  /** Interface → why its ARP/NDP responder could not be opened (empty when all are fine). */
  errors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [name, r] of this.byIface) if (r.error) out[name] = r.error;
    return out;
  }

  ownedIps(): string[] {
    return [...this.owned.keys()].sort();
  }

  /** Whether `ip` is announced on `ifname` (the responders' question); no longer once another node took it over in a handover. */
  owns(ip: string, ifname: string): boolean {
    if (this.leaving?.taken(ip)) return false;
    const o = this.owned.get(ip);
    return !!o && (o.interfaces.length === 0 || o.interfaces.includes(ifname));
  }

  /** Starts answering for `ip` (on `interfaces`, or all) and sends gratuitous rounds. */
  announce(ipText: string, interfaces: string[] = []): void {
    const ip = canonicalIp(ipText);
    const parsed = ip ? parseIp(ip) : undefined;
    if (!ip || !parsed) throw new RangeError(`not an IP address: ${ipText}`);
    const prev = this.owned.get(ip);
    const same = prev && prev.interfaces.join(',') === [...interfaces].sort().join(',');
    if (prev && !same) this.unwatch(ip);
    this.owned.set(ip, { family: parsed.family, interfaces: [...interfaces].sort(), since: prev?.since ?? Date.now() });
    this.syncArp(ip);
    if (!same) {
      this.watch(ip);
      this.gratuitous.schedule(ip);
    }
  }

  withdraw(ipText: string): void {
    const ip = canonicalIp(ipText) ?? ipText;
    if (!this.owned.has(ip)) return;
    this.gratuitous.cancel(ip);
    this.unwatch(ip);
    this.owned.delete(ip);
    this.syncArp(ip);
    this.duplicates.forget(ip);
  }

  /** Other MACs that claimed `ip` within the last minute while we announced it. */
  duplicateMacs(ip: string): string[] {
    return this.duplicates.macs(canonicalIp(ip) ?? ip);
  }

  /**
   * Graceful handover: stops gratuitous rounds but keeps answering requests for each owned IP
   * until another MAC announces it (its gratuitous ARP / unsolicited NA: from then on only the new
   * owner answers, so clients never get conflicting replies), or until `deadlineMs` passes.
   * The caller leaves the memberlist meanwhile.
   */
  async handover(deadlineMs: number): Promise<HandoverResult> {
    if (!this.leaving) {
      this.leaving = new Handover(this.owned.keys());
      this.gratuitous.stop();
      for (const r of this.byIface.values()) r.arp?.yieldOnClaim();
    }
    const result = await this.leaving.settle(deadlineMs);
    for (const ip of this.leaving.ips()) this.withdraw(ip);
    return result;
  }

  /** Re-reads interfaces: opens responders on new eligible ones, closes those gone or changed. */
  rescan(): void {
    const seen = new Set<string>();
    const before = this.interfaces().join(',');
    for (const info of this.source.list()) {
      const ok = eligible(info, { only: this.opts.interfaces, explicit: this.opts.explicitInterfaces });
      if (!ok.ok) continue;
      seen.add(info.name);
      const cur = this.byIface.get(info.name);
      if (cur && cur.info.ifindex === info.ifindex && cur.info.mac === info.mac) continue;
      if (cur) this.closeIface(info.name);
      this.openIface(info);
    }
    for (const name of [...this.byIface.keys()]) if (!seen.has(name)) this.closeIface(name);
    const after = this.interfaces();
    if (after.join(',') !== before) for (const cb of this.interfaceListeners) cb(after);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.gratuitous.stop();
    this.duplicates.stop();
    for (const name of [...this.byIface.keys()]) this.closeIface(name);
  }

  /** Another MAC claimed an IP we announce: completes a handover, or counts and reports a duplicate owner. */
  private claim(c: Claim): void {
    // Our own announcements from another local interface on the same segment are not a duplicate.
    for (const r of this.byIface.values()) if (r.info.mac === c.mac) return;
    if (this.leaving?.has(c.ip)) {
      if (this.leaving.take(c.ip, c.mac)) {
        this.syncArp(c.ip);
        this.logger.info({ event: 'handover', ip: c.ip, mac: c.mac, interface: c.interface }, 'another node took over the IP');
      }
      return;
    }
    this.duplicates.claimed(c, { since: this.owned.get(c.ip)?.since ?? 0, stillOurs: () => this.owns(c.ip, c.interface) });
  }

  /** A confirmed, not rate-limited duplicate owner: one warn line, then the listeners. */
  private report(c: Claim): void {
    this.logger.warn(
      { event: 'duplicateOwner', ip: c.ip, mac: c.mac, interface: c.interface, kind: c.kind },
      `IP ${c.ip} is also answered by MAC ${c.mac} on interface ${c.interface}`,
    );
    for (const cb of this.duplicateListeners) {
      try {
        cb(c);
      } catch (err) {
        this.logger.error({ ip: c.ip, error: (err as Error).message }, 'duplicate-owner handler failed');
      }
    }
  }

  private openIface(info: InterfaceInfo): void {
    const deps = {
      iface: info,
      owns: (ip: string, ifname: string) => this.owns(ip, ifname),
      logger: this.logger,
      requestLogLevel: this.opts.requestLogLevel,
      metrics: this.metrics,
      transports: this.transports,
      onClaim: (c: Claim) => this.claim(c),
    };
    const r: Responders = { info };
    try {
      r.arp = new ArpResponder(deps);
      if (this.leaving) r.arp.yieldOnClaim();
      this.logger.info({ event: 'createARPResponder', interface: info.name }, 'created ARP responder for interface');
    } catch (err) {
      r.error = `ARP: ${(err as Error).message}`;
      this.logger.error({ interface: info.name, error: (err as Error).message }, 'failed to create ARP responder');
    }
    if (this.opts.ipv6 !== false && info.ipv6LinkLocal !== false) {
      try {
        r.ndp = new NdpResponder(deps);
        this.logger.info({ event: 'createNDPResponder', interface: info.name }, 'created NDP responder for interface');
      } catch (err) {
        r.error = [r.error, `NDP: ${(err as Error).message}`].filter(Boolean).join('; ');
        this.logger.error({ interface: info.name, error: (err as Error).message }, 'failed to create NDP responder');
      }
    }
    this.byIface.set(info.name, r);
    for (const [ip, o] of this.owned) {
      if (o.family === 6 && this.owns(ip, info.name)) r.ndp?.watch(ip);
      if (o.family === 4) r.arp?.answer(ip, this.owns(ip, info.name));
    }
  }

  private closeIface(name: string): void {
    const r = this.byIface.get(name);
    if (!r) return;
    this.byIface.delete(name);
    r.arp?.close();
    r.ndp?.close();
    this.logger.info({ event: 'deleteResponder', interface: name }, 'deleted responders for interface');
  }

  /** Tells each ARP responder whether it answers `ip` now (after any change to owned or leaving). */
  private syncArp(ip: string): void {
    const v4 = this.owned.get(ip)?.family === 4;
    for (const [name, r] of this.byIface) r.arp?.answer(ip, v4 && this.owns(ip, name));
  }

  private watch(ip: string): void {
    if (this.owned.get(ip)?.family !== 6) return;
    for (const [name, r] of this.byIface) if (this.owns(ip, name)) r.ndp?.watch(ip);
  }

  private unwatch(ip: string): void {
    if (this.owned.get(ip)?.family !== 6) return;
    for (const [name, r] of this.byIface) if (this.owns(ip, name)) r.ndp?.unwatch(ip);
  }

  private gratuitousRound(ip: string): void {
    const o = this.owned.get(ip);
    if (!o) return;
    for (const [name, r] of this.byIface) {
      if (!this.owns(ip, name)) continue;
      if (o.family === 4) r.arp?.gratuitous(ip);
      else r.ndp?.gratuitous(ip);
    }
  }
}
