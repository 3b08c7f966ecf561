// Answers ARP requests for the service IPs this node owns on one interface, as MetalLB's arpResponder does.
import type { Logger } from '../../src/core/log';
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
import type { FrameTransport, TransportFactory } from './transport';

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

/** At most one "failed to send ARP replies" line per interval: under a flood every batch could fail. */
export const SEND_ERROR_LOG_INTERVAL_MS = 1000;

export class ArpResponder {
  private readonly transport: FrameTransport;
  private closed = false;
  /** Replies dropped by the transport since the last error line, and when that line was written. */
  private unsent = 0;
  private lastSendErrorLog = -Infinity;
  private readonly macBytes: Buffer;

  constructor(private readonly deps: ResponderDeps) {
    this.macBytes = macToBuffer(deps.iface.mac);
    this.transport = deps.transports.arp(
      deps.iface,
      (frame) => {
        this.handleFrame(frame);
      },
      { onSendError: (err, unsent) => this.sendFailed(err, unsent) },
    );
  }

  get interfaceName(): string {
    return this.deps.iface.name;
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
    const { iface, owns, logger, metrics } = this.deps;
    if (req.senderIp !== '0.0.0.0' && req.senderMac !== iface.mac && owns(req.senderIp, iface.name)) {
      // A unicast reply is an answer (possibly to our own gratuitous request, where SPA = TPA too).
      const unicastReply = req.op === ARP_REPLY && req.ethDst !== BROADCAST_MAC;
      const kind = unicastReply ? 'arp-reply' : req.senderIp === req.targetIp ? 'gratuitous-arp' : req.op === ARP_REPLY ? 'arp-reply' : 'arp-request';
      this.deps.onClaim?.({ ip: req.senderIp, mac: req.senderMac, interface: iface.name, kind });
    }
    if (req.op !== ARP_REQUEST) return 'not-request';
    if (req.ethDst !== BROADCAST_MAC && req.ethDst !== iface.mac) return 'not-for-us';
    if (!owns(req.targetIp, iface.name)) return 'not-owned';
    metrics.requestsReceived.inc({ ip: req.targetIp });
    const level = this.deps.requestLogLevel ?? 'info';
    // Checked first: at flood rates building the line's object for a disabled level is measurable.
    if (logger.isLevelEnabled(level)) {
      logger[level](
        {
          interface: iface.name,
          ip: req.targetIp,
          senderIP: req.senderIp,
          senderMAC: req.senderMac,
          responseMAC: iface.mac,
        },
        'got ARP request for service IP, sending response',
      );
    }
    const reply = arpReplyFor(req, iface.mac);
    try {
      const out = encodeArpReplyFrame(frame, this.macBytes);
      if (this.transport.queue) this.transport.queue(out);
      else this.transport.send(out);
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
        this.transport.send(encodeArpFrame(gratuitousArp(op, ip, this.deps.iface.mac)));
        this.deps.metrics.gratuitousSent.inc({ ip });
        sent++;
      } catch (err) {
        this.deps.logger.error({ interface: this.deps.iface.name, ip, error: (err as Error).message }, 'failed to send gratuitous ARP');
      }
    }
    return sent;
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
    this.transport.close();
  }
}
