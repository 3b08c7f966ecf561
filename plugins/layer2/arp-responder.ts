// Answers ARP requests for the service IPs this node owns on one interface, as MetalLB's arpResponder does:
// on the transport's native thread (replies never wait for the event loop); `handleFrame` is the JS reference decision.
import type { Logger } from '../../src/core/plugin-api';
import {
  ARP_REPLY,
  ARP_REQUEST,
  arpReplyFor,
  BROADCAST_MAC,
  decodeArpFrame,
  encodeArpFrame,
  encodeArpReplyFrame,
  gratuitousArp,
  macToBuffer,
  Layer2DecodeError,
  type ArpFrame,
} from './codec';
import type { Claim } from './duplicates';
import type { InterfaceInfo } from './interfaces';
import type { Layer2Metrics } from './metrics';
import type { AnsweringArpTransport, TransportFactory } from './transport';

/** Why a frame got no answer (for tests and debug logs). */
export type ArpDropReason =
  | 'malformed'
  | 'not-request'
  | 'not-for-us'
  | 'not-owned'
  | 'send-failed'
  | 'closed';

export interface ResponderDeps {
  iface: InterfaceInfo;
  /** Whether this node announces `ip` on this interface right now. */
  owns(ip: string, ifname: string): boolean;
  logger: Logger;
  /** Level of the per-request line (MetalLB logs it at debug; `l2 announce` at info). */
  requestLogLevel?: 'info' | 'debug';
  metrics: Layer2Metrics;
  transports: TransportFactory;
  /** Another MAC claimed an IP we announce on this interface (ARP with that sender IP, NA with that target). */
  onClaim?(claim: Claim): void;
}

/** The ARP responder learns what it answers through `answer()`, not by asking. */
export type ArpResponderDeps = Omit<ResponderDeps, 'owns'>;

/** At most one "failed to send ARP replies" (or "records lost") line per interval: under a flood every drain could report one. */
export const SEND_ERROR_LOG_INTERVAL_MS = 1000;

export class ArpResponder {
  /** Native path (production): requests answered by the transport's thread from `answered`. */
  private readonly answering?: AnsweringArpTransport;
  /** Whichever of the two sends gratuitous frames and is closed at the end. */
  private readonly link: { send(frame: Buffer): unknown; close(): void };
  private readonly answered = new Set<string>();
  private closed = false;
  /** Replies the native thread could not send since the last error line, and when that line was written. */
  private unsent = 0;
  private lastSendErrorLog = -Infinity;
  private lost = 0;
  private lastLostLog = -Infinity;
  private readonly macBytes: Buffer;

  constructor(private readonly deps: ArpResponderDeps) {
    this.macBytes = macToBuffer(deps.iface.mac);
    const { transports, iface, metrics } = deps;
    if (transports.arpAnswering) {
      this.answering = transports.arpAnswering(iface, {
        // Requests come only while request lines are logged; claims are another MAC using an answered IP.
        answered: (request) => this.reported(request, (req) => this.logRequest(req)),
        claimed: (frame) => this.reported(frame, (req) => this.claim(req)),
        counted: (ip, answered, sent) => {
          if (answered > 0) metrics.requestsReceived.inc({ ip }, answered);
          if (sent > 0) metrics.responsesSent.inc({ ip }, sent);
        },
        sendFailed: (err, unsent) => this.sendFailed(err, unsent),
        lost: (records) => this.recordsLost(records),
      });
      this.answering.logRequests(deps.logger.isLevelEnabled(this.requestLevel));
      this.link = this.answering;
      return;
    }
    if (!transports.arp) throw new Error('no ARP transport');
    // Transports without a native answerer (test fakes) get every frame decided here.
    this.link = transports.arp(iface, (frame) => {
      this.handleFrame(frame);
    });
  }

  get interfaceName(): string {
    return this.deps.iface.name;
  }

  /** Whether requests for `ip` are answered here from now on (the native thread's table too, before this returns). */
  answer(ip: string, on: boolean): void {
    if (on === this.answered.has(ip)) return;
    if (on) this.answered.add(ip);
    else this.answered.delete(ip);
    if (!this.closed) this.answering?.answerIp(ip, on);
  }

  /**
   * Graceful handover: an IP another MAC claims stops being answered from that very frame (the
   * frame-by-frame path gets this from `onClaim` withdrawing it before the answer).
   */
  yieldOnClaim(): void {
    if (!this.closed) this.answering?.yieldOnClaim(true);
  }

  private get requestLevel(): 'info' | 'debug' {
    return this.deps.requestLogLevel ?? 'info';
  }

  /** Processes one received frame; returns the reply sent, or why none was. */
  handleFrame(frame: Buffer): ArpFrame | ArpDropReason {
    if (this.closed) return 'closed';
    let req: ArpFrame;
    try {
      req = decodeArpFrame(frame);
    } catch (e) {
      if (e instanceof Layer2DecodeError) return 'malformed';
      throw e;
    }
    const { iface, logger, metrics } = this.deps;
    // Reported first: during a handover the claim ends our answers for that IP, this request included.
    if (req.senderIp !== '0.0.0.0' && req.senderMac !== iface.mac && this.answered.has(req.senderIp)) this.claim(req);
    if (req.op !== ARP_REQUEST) return 'not-request';
    if (req.ethDst !== BROADCAST_MAC && req.ethDst !== iface.mac) return 'not-for-us';
    if (!this.answered.has(req.targetIp)) return 'not-owned';
    metrics.requestsReceived.inc({ ip: req.targetIp });
    // Checked first: at flood rates building the line's object for a disabled level is measurable.
    if (logger.isLevelEnabled(this.requestLevel)) this.logRequest(req);
    const reply = arpReplyFor(req, iface.mac);
    try {
      this.link.send(encodeArpReplyFrame(frame, this.macBytes));
    } catch (err) {
      logger.error({ interface: iface.name, ip: req.targetIp, error: (err as Error).message }, 'failed to send ARP reply');
      return 'send-failed';
    }
    metrics.responsesSent.inc({ ip: req.targetIp });
    return reply;
  }

  /** One gratuitous round for `ip`: ARP request then ARP reply, both broadcast with SPA = TPA = ip. */
  gratuitous(ip: string): number {
    if (this.closed) return 0;
    let sent = 0;
    for (const op of [ARP_REQUEST, ARP_REPLY] as const) {
      try {
        this.link.send(encodeArpFrame(gratuitousArp(op, ip, this.deps.iface.mac)));
        this.deps.metrics.gratuitousSent.inc({ ip });
        sent++;
      } catch (err) {
        this.deps.logger.error({ interface: this.deps.iface.name, ip, error: (err as Error).message }, 'failed to send gratuitous ARP');
      }
    }
    return sent;
  }

  /** Another MAC sent a frame with an IP we answer as its sender (duplicate owner, or the next owner in a handover). */
  private claim(req: ArpFrame): void {
    // A unicast reply is an answer (possibly to our own gratuitous request, where SPA = TPA too).
    const unicastReply = req.op === ARP_REPLY && req.ethDst !== BROADCAST_MAC;
    const kind = unicastReply ? 'arp-reply' : req.senderIp === req.targetIp ? 'gratuitous-arp' : req.op === ARP_REPLY ? 'arp-reply' : 'arp-request';
    this.deps.onClaim?.({ ip: req.senderIp, mac: req.senderMac, interface: this.deps.iface.name, kind });
  }

  private logRequest(req: ArpFrame): void {
    const { iface, logger } = this.deps;
    logger[this.requestLevel](
      { interface: iface.name, ip: req.targetIp, senderIP: req.senderIp, senderMAC: req.senderMac, responseMAC: iface.mac },
      'got ARP request for service IP, sending response',
    );
  }

  /** Native path: `use` gets the frame the thread reported (a request it answered, or a claim), decoded. */
  private reported(frame: Buffer, use: (req: ArpFrame) => void): void {
    if (this.closed) return;
    try {
      use(decodeArpFrame(frame));
    } catch (e) {
      if (!(e instanceof Layer2DecodeError)) throw e;
    }
  }

  private recordsLost(records: number): void {
    this.lost += records;
    const now = Date.now();
    if (now - this.lastLostLog < SEND_ERROR_LOG_INTERVAL_MS) return;
    this.deps.logger.warn(
      { interface: this.deps.iface.name, records: this.lost },
      'ARP requests answered but not reported (event loop too slow): request lines or duplicate-owner checks skipped',
    );
    this.lastLostLog = now;
    this.lost = 0;
  }

  private sendFailed(err: Error, unsent: number): void {
    this.unsent += unsent;
    const now = Date.now();
    if (now - this.lastSendErrorLog < SEND_ERROR_LOG_INTERVAL_MS) return;
    this.deps.logger.error({ interface: this.deps.iface.name, error: err.message, unsent: this.unsent }, 'failed to send ARP replies');
    this.lastSendErrorLog = now;
    this.unsent = 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.link.close();
  }
}
