// One active BGP-4 session (RFC 4271 FSM): connect with backoff, OPEN, timers, Adj-RIB-Out, NOTIFICATIONs.
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import { silentLogger, type Logger } from '../../src/core/plugin-api';
import {
  BgpDecodeError,
  CeaseSubcode,
  ErrorCode,
  MessageFramer,
  Safi,
  asWithdrawal,
  decodeMessage,
  encodeEndOfRib,
  encodeKeepalive,
  encodeNotification,
  endOfRibOf,
  type BgpMessage,
  type Family,
  type NotificationMessage,
  type OpenMessage,
  type UpdateDecodeResult,
} from './codec';
import { AdjRibOut, type RouteAttributes } from './adj-rib-out';
import { bgpMetrics, type BgpMetrics } from './metrics';
import { backoffDelay, resolveOptions, type BgpSessionOptions, type ResolvedOptions } from './session-options';
import { NoSuchDeviceError, openTransport } from './transport';
import { vrfInterfaces } from './local-addresses';
import { networkInterfaces } from 'node:os';
import { UpdateSender } from './update-sender';
import { afiOf, encodeLocalOpen, negotiateOpen, type Negotiated } from './open-negotiation';
import { ConnectionTimers } from './session-timers';
import { NO_ROUTER_ID, pickRouterId, type InterfaceTable } from './router-id';

export type SessionState = 'Idle' | 'Connect' | 'OpenSent' | 'OpenConfirm' | 'Established';

export interface NegotiatedSession extends Negotiated {
  routerId: string;
  localAddress: string;
}

/**
 * Events: 'state' (SessionState), 'established' (NegotiatedSession), 'down' (reason: string),
 * 'notification' ({ direction: 'sent'|'received', code, subcode }), 'update' (UpdateDecodeResult).
 */
export class BgpSession extends EventEmitter {
  readonly opts: ResolvedOptions;
  private readonly log: Logger;
  private readonly metrics?: BgpMetrics;
  private readonly rib = new AdjRibOut();
  private sock?: net.Socket;
  private framer = new MessageFramer();
  private _state: SessionState = 'Idle';
  private negotiated?: NegotiatedSession;
  private attempt = 0;
  private stopped = true;
  private reconnectTimer?: NodeJS.Timeout;
  private readonly timers = new ConnectionTimers({
    openExpired: () => this.fail(`no OPEN within ${this.opts.connectTime}s`),
    holdExpired: () => {
      this.log.warn({ event: 'holdTimerExpired', hold: this.negotiated?.hold }, 'receive hold timer expired');
      this.fail('hold timer expired', { code: ErrorCode.HoldTimerExpired, subcode: 0, data: Buffer.alloc(0) });
    },
    sendHoldExpired: (buffered) => {
      this.log.warn({ event: 'sendHoldTimerExpired', buffered }, 'peer stopped reading');
      this.downReason = 'send hold timer expired';
      this.sock?.destroy();
    },
    keepalive: () => {
      this.write(encodeKeepalive());
      this.refreshNextHops();
    },
  });
  private flushScheduled = false;
  private readonly received = new Set<string>();
  private downReason = '';
  /** Transport warnings already logged (once per session, not per attempt). */
  private readonly warned = new Set<string>();
  private sender?: UpdateSender;
  /** Graceful restart R bit: set in OPENs until this process has completed one session's initial table (RFC 4724 §4.1). */
  private restarting: boolean;
  /** End-of-RIB may be sent (the caller's table is complete). */
  private endOfRibAllowed: boolean;
  /** Established, initial table sent, End-of-RIB held back until `endOfRibReady()`. */
  private endOfRibPending = false;

  constructor(options: BgpSessionOptions) {
    super();
    this.opts = resolveOptions(options);
    this.restarting = options.gracefulRestart !== undefined;
    this.endOfRibAllowed = !options.deferEndOfRib;
    this.log = (options.logger ?? silentLogger()).child({ caller: 'bgp-session', peer: this.opts.name });
    if (options.metrics) this.metrics = bgpMetrics(options.metrics);
    this.setGauges();
  }

  private _lastError?: string;

  get state(): SessionState {
    return this._state;
  }

  get ebgp(): boolean {
    return this.opts.myAsn !== this.opts.peerAsn;
  }

  /** What OPEN negotiated, while Established. */
  get session(): NegotiatedSession | undefined {
    return this._state === 'Established' ? this.negotiated : undefined;
  }

  get announcedCount(): number {
    return this.rib.advertisedCount;
  }

  /** Why the session last went down or failed to come up (status and `doctor` show it while not Established). */
  get lastError(): string | undefined {
    return this._lastError;
  }

  get receivedPrefixes(): number {
    return this.received.size;
  }

  /** Prefixes in the Adj-RIB-Out (whether or not the peer has them yet). */
  prefixes(): string[] {
    return this.rib.prefixes();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.attempt = 0;
    this.scheduleConnect();
  }

  /** Adds or changes a route; sent incrementally when Established. Returns the canonical prefix. */
  announce(prefix: string, attrs: RouteAttributes = {}): string {
    const p = this.rib.set(prefix, attrs);
    this.scheduleFlush();
    return p;
  }

  withdraw(prefix: string): boolean {
    const had = this.rib.delete(prefix);
    this.scheduleFlush();
    return had;
  }

  /**
   * Lets End-of-RIB go out (the caller's initial table is complete): sent at once when Established and
   * held back, otherwise right after the initial table of each later session.
   */
  endOfRibReady(): void {
    if (this.endOfRibAllowed) return;
    this.endOfRibAllowed = true;
    if (this._state === 'Established' && this.endOfRibPending) {
      this.flush();
      this.sendEndOfRib();
    }
  }

  /**
   * Withdraws everything (when `withdraw`), sends Cease/administrative shutdown and closes.
   * `graceful` (graceful restart negotiated): no withdrawal and no NOTIFICATION, only the TCP close, so the
   * peer keeps our routes as stale for the restart time (RFC 4724 §4.2; a Cease would make it flush them).
   * Resolves once the socket is closed (bounded by `timeoutMs`).
   */
  async stop(opts: { withdraw?: boolean; subcode?: number; timeoutMs?: number; graceful?: boolean } = {}): Promise<void> {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    const sock = this.sock;
    if (!sock) {
      this.setState('Idle');
      return;
    }
    const closed = new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        sock.destroy();
        resolve();
      }, opts.timeoutMs ?? 2000);
      sock.once('close', () => {
        clearTimeout(t);
        resolve();
      });
    });
    if (opts.graceful && this.negotiated?.gracefulRestart && this._state === 'Established') {
      this.log.info({ event: 'gracefulRestartStop', restartTime: this.opts.raw.gracefulRestart?.restartTime }, 'closing without NOTIFICATION: the peer keeps our routes for the restart time');
      this.fail('stopped for a graceful restart');
      await closed;
      return;
    }
    if (this._state === 'Established' && opts.withdraw !== false) {
      for (const p of this.rib.prefixes()) this.rib.delete(p);
      this.flush();
    }
    this.fail('administrative shutdown', { code: ErrorCode.Cease, subcode: opts.subcode ?? CeaseSubcode.AdministrativeShutdown, data: Buffer.alloc(0) });
    await closed;
  }

  /** Skips the remaining reconnect backoff (BFD says the path is back): connects now if idle and waiting. */
  retryNow(): void {
    if (this.stopped || this.sock || this.reconnectTimer === undefined) return;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.attempt = 1;
    this.connect();
  }

  /** Tears the session down at once (BFD says the path is dead: Cease/BFD Down, no wait) and reconnects with backoff. */
  reset(reason: string): void {
    const sock = this.sock;
    if (!sock) return;
    this.fail(reason, { code: ErrorCode.Cease, subcode: CeaseSubcode.BfdDown, data: Buffer.alloc(0) });
    sock.destroy();
  }

  // ---- connection lifecycle -------------------------------------------------------------

  private scheduleConnect(): void {
    if (this.stopped) return;
    const raw = this.opts.raw;
    const delay = backoffDelay(this.attempt, raw.backoff?.unitMs, raw.backoff?.maxMs);
    this.attempt++;
    this.log.debug({ event: 'connectScheduled', delayMs: delay }, 'next connection attempt');
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connect();
    }, delay);
  }

  private connect(): void {
    if (this.stopped) return;
    const raw = this.opts.raw;
    this.framer = new MessageFramer();
    this.setState('Connect');
    this.log.info({ event: 'sessionConnecting', attempt: this.attempt }, 'connecting to BGP peer');
    let sock: net.Socket;
    try {
      sock = openTransport({
        host: this.opts.peerAddress,
        port: this.opts.peerPort,
        localAddress: raw.sourceAddress,
        password: raw.password,
        ttl: this.ebgp ? (raw.ebgpMultihop ? 255 : 1) : undefined,
        device: raw.vrf,
        onWarning: (msg) => {
          if (this.warned.has(msg)) return;
          this.warned.add(msg);
          this.log.warn({ event: 'transportWarning' }, msg);
        },
      });
    } catch (err) {
      if (err instanceof NoSuchDeviceError) {
        // A configuration problem: say where it was configured; retried with backoff in case the device appears.
        const where = raw.vrfSource ?? 'vrf';
        this.log.error({ event: 'vrfMissing', vrf: err.device, error: `${where}: ${err.message}` }, `${where}: ${err.message}`);
        this.down(`${where}: ${err.message}`);
        return;
      }
      this.log.error({ event: 'sessionError', error: (err as Error).message }, 'cannot open connection');
      this.down(`transport: ${(err as Error).message}`);
      return;
    }
    this.sock = sock;
    sock.setNoDelay(true);
    this.timers.waitForOpen(this.opts.connectTime);
    sock.on('connect', () => this.onConnect());
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('drain', () => this.timers.drained());
    sock.on('error', (err) => {
      this.log.warn({ event: 'socketError', error: err.message }, 'BGP socket error');
      // The reason the attempt failed (e.g. ENETUNREACH from a VRF without a route to the peer) for lastError.
      if (!this.downReason) this.downReason = `transport: ${err.message}`;
    });
    sock.on('close', () => {
      if (this.sock === sock) this.down(this.downReason || 'connection closed');
    });
  }

  private onConnect(): void {
    const sock = this.sock!;
    const local = (sock.localAddress ?? '').replace(/^::ffff:(?=\d+\.)/, '');
    const interfaces = this.localInterfaces();
    const routerId = this.opts.raw.routerId ?? pickRouterId(local, interfaces.vrf) ?? pickRouterId(local, interfaces.all);
    if (!routerId) {
      this.fail(NO_ROUTER_ID);
      return;
    }
    this.sender = undefined;
    this.negotiated = { hold: 0, keepalive: 0, asn4: false, families: [], peerRouterId: '', routerId, localAddress: local, routeRefresh: false, gracefulRestart: false };
    this.write(encodeLocalOpen(this.opts, routerId, this.restarting));
    this.setState('OpenSent');
  }

  private onData(chunk: Buffer): void {
    try {
      for (const m of this.framer.push(chunk)) {
        if (!this.sock) return;
        this.timers.received();
        this.onMessage(decodeMessage(m, { asn4: this.negotiated?.asn4 ?? true, ebgp: this.ebgp }));
      }
    } catch (err) {
      if (err instanceof BgpDecodeError) this.fail(`decode error: ${err.message}`, { code: err.code, subcode: err.subcode, data: err.data });
      else this.fail(`internal error: ${(err as Error).message}`, { code: ErrorCode.Cease, subcode: 0, data: Buffer.alloc(0) });
    }
  }

  private onMessage(msg: BgpMessage): void {
    if (msg.type === 'notification') {
      this.onNotification(msg.notification);
      return;
    }
    const fsm = (sub: number) => this.fail(`unexpected ${msg.type} in ${this._state}`, { code: ErrorCode.Fsm, subcode: sub, data: Buffer.alloc(0) });
    switch (this._state) {
      case 'OpenSent':
        if (msg.type !== 'open') return fsm(1);
        return this.onOpen(msg.open);
      case 'OpenConfirm':
        if (msg.type !== 'keepalive') return fsm(2);
        return this.onEstablished();
      case 'Established':
        if (msg.type === 'update') return this.onUpdate(msg.result);
        if (msg.type === 'route-refresh') return this.onRouteRefresh(msg.refresh.afi, msg.refresh.safi, msg.refresh.subtype);
        if (msg.type === 'open') return fsm(3);
        return; // keepalive: hold timer already refreshed
      default:
        return;
    }
  }

  private onNotification(n: NotificationMessage): void {
    this.log.warn({ event: 'notificationReceived', code: n.code, subcode: n.subcode, data: n.data.toString('hex') }, 'peer sent NOTIFICATION');
    this.emit('notification', { direction: 'received', code: n.code, subcode: n.subcode });
    this.fail(`peer sent NOTIFICATION ${n.code}/${n.subcode}`);
  }

  private onOpen(open: OpenMessage): void {
    this.timers.openReceived();
    const n = this.negotiated!;
    const r = negotiateOpen(open, { peerAsn: this.opts.peerAsn, ebgp: this.ebgp, routerId: n.routerId, holdTime: this.opts.holdTime, keepaliveTime: this.opts.raw.keepaliveTime, families: this.opts.families });
    if (!r.ok) return this.fail(r.reason, r.notification);
    Object.assign(n, r.negotiated);
    this.write(encodeKeepalive());
    this.setState('OpenConfirm');
    if (this.sock) this.timers.start(n.hold, n.keepalive, this.sock);
  }

  private onEstablished(): void {
    const n = this.negotiated!;
    this.attempt = 1; // a later drop reconnects after 1 s, then backs off
    this.setState('Established');
    this.log.info(
      { event: 'sessionUp', hold: n.hold, keepalive: n.keepalive, asn4: n.asn4, families: n.families, peerRouterId: n.peerRouterId, localAddress: n.localAddress },
      'BGP session established',
    );
    this.emit('established', n);
    this.rib.reset();
    const raw = this.opts.raw;
    this.sender = new UpdateSender(
      this.rib,
      {
        myAsn: this.opts.myAsn,
        ebgp: this.ebgp,
        asn4: n.asn4,
        families: n.families,
        localAddress: n.localAddress,
        routerId: n.routerId,
        nextHopV4: raw.nextHopV4,
        nextHopV6: raw.nextHopV6,
        interfaces: () => this.localInterfaces().vrf,
      },
      (m) => this.writeUpdate(m),
    );
    this.log.info({ event: 'nextHops', nextHopV4: this.sender.nextHopV4, nextHopV6: this.sender.nextHopV6 }, 'next hops chosen for this session');
    this.sendTable(new Set(n.families));
    if (this.endOfRibAllowed) this.sendEndOfRib();
    else {
      this.endOfRibPending = true;
      this.log.info({ event: 'endOfRibDeferred' }, 'End-of-RIB held until the initial sync is done');
    }
    this.setGauges();
  }

  /** End-of-RIB per negotiated family: the peer may now drop the stale routes we did not re-announce. */
  private sendEndOfRib(): void {
    const n = this.negotiated!;
    for (const f of n.families) this.write(encodeEndOfRib(afiOf(f), Safi.Unicast));
    this.endOfRibPending = false;
    this.restarting = false;
    this.log.info({ event: 'endOfRibSent', families: n.families, prefixes: this.rib.advertisedCount }, 'initial table sent: End-of-RIB');
  }

  private onUpdate(r: UpdateDecodeResult): void {
    const u = r.action === 'treat-as-withdraw' ? asWithdrawal(r.update) : r.update;
    for (const e of r.errors) {
      this.log.warn({ event: 'updateError', action: e.action, attribute: e.type, code: e.code, subcode: e.subcode }, e.message);
    }
    const eor = endOfRibOf(u);
    if (eor) this.log.debug({ event: 'endOfRibReceived', afi: eor.afi }, 'peer sent End-of-RIB');
    for (const p of [...u.withdrawn, ...(u.attributes.mpUnreach?.withdrawn ?? [])]) this.received.delete(p);
    for (const p of [...u.nlri, ...(u.attributes.mpReach?.nlri ?? [])]) this.received.add(p);
    this.emit('update', r);
  }

  private onRouteRefresh(afi: number, safi: number, subtype: number): void {
    const n = this.negotiated!;
    const fam = n.families.filter((f) => afiOf(f) === afi && safi === Safi.Unicast);
    this.log.info({ event: 'routeRefresh', afi, safi, subtype }, 'peer asked for a route refresh');
    if (subtype !== 0 || fam.length === 0) return;
    this.sendTable(new Set(fam));
  }

  /** The node's interfaces, and those of the session's VRF (all of them without a VRF): router ID and next hops come from the VRF. */
  private localInterfaces(): { all: InterfaceTable; vrf: InterfaceTable } {
    const all = this.opts.raw.interfaces?.() ?? networkInterfaces();
    const vrf = this.opts.raw.vrf;
    return { all, vrf: vrf === undefined ? all : vrfInterfaces(vrf, all) };
  }

  // ---- sending ---------------------------------------------------------------------------

  private scheduleFlush(): void {
    this.setGauges();
    if (this.flushScheduled || this._state !== 'Established') return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      if (this._state === 'Established') this.flush();
    });
  }

  /** A next hop that was missing at Established (its interface not yet running) is announced once it appears. */
  private refreshNextHops(): void {
    const sender = this.sender;
    if (!sender?.refreshNextHops()) return;
    this.log.info({ event: 'nextHops', nextHopV4: sender.nextHopV4, nextHopV6: sender.nextHopV6 }, 'next hop found: table sent again');
    this.sendTable(new Set(this.negotiated?.families ?? []));
  }

  private flush(): void {
    this.guarded(() => this.sender?.flush());
  }

  private sendTable(families: ReadonlySet<Family>): void {
    this.guarded(() => this.sender?.sendTable(families));
  }

  /** Encoding failures (e.g. an attribute set too large for one UPDATE) reset the session instead of throwing out of a timer. */
  private guarded(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ event: 'sessionError', error: (err as Error).message }, 'cannot encode UPDATE');
      this.fail(`internal error: ${(err as Error).message}`, { code: ErrorCode.Cease, subcode: 0, data: Buffer.alloc(0) });
    }
    this.setGauges();
  }

  private writeUpdate(m: Buffer): void {
    this.write(m);
    this.metrics?.updates.inc({ peer: this.opts.name });
  }

  private write(b: Buffer): void {
    const sock = this.sock;
    if (!sock || sock.destroyed) return;
    this.timers.sent(sock.write(b));
  }

  // ---- teardown --------------------------------------------------------------------------

  /** Ends the connection, sending `notification` first when given. */
  private fail(reason: string, notification?: NotificationMessage): void {
    const sock = this.sock;
    if (!sock) return;
    this.downReason = reason;
    if (notification && !sock.destroyed && this._state !== 'Connect') {
      this.log.warn({ event: 'notificationSent', code: notification.code, subcode: notification.subcode, reason }, 'sending NOTIFICATION');
      this.emit('notification', { direction: 'sent', code: notification.code, subcode: notification.subcode });
      sock.write(encodeNotification(notification));
    }
    sock.end();
    // A peer that never closes its side is cut off after a moment.
    setTimeout(() => sock.destroy(), 1000).unref();
    this.timers.clear();
  }

  private down(reason: string): void {
    const was = this._state;
    this._lastError = reason;
    this.timers.clear();
    this.sock?.removeAllListeners('data');
    this.sock = undefined;
    this.sender = undefined;
    this.downReason = '';
    this.endOfRibPending = false;
    this.received.clear();
    this.rib.reset();
    this.setState('Idle');
    if (was === 'Established') this.log.warn({ event: 'sessionDown', reason }, 'BGP session down');
    else this.log.info({ event: 'connectFailed', reason, state: was }, 'BGP connection attempt failed');
    this.emit('down', reason);
    this.setGauges();
    this.scheduleConnect();
  }

  private setState(s: SessionState): void {
    if (s === this._state) return;
    this.log.info({ event: 'sessionStateChanged', from: this._state, to: s }, 'BGP FSM state change');
    this._state = s;
    this.emit('state', s);
  }

  private setGauges(): void {
    if (!this.metrics) return;
    const peer = this.opts.name;
    const up = this._state === 'Established';
    this.metrics.sessionUp.set({ peer }, up ? 1 : 0);
    this.metrics.announced.set({ peer }, this.rib.advertisedCount);
    this.metrics.pending.set({ peer }, up ? this.rib.pendingCount(new Set(this.negotiated!.families)) : this.rib.size);
  }
}

