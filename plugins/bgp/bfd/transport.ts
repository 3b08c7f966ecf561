// BFD over UDP: single hop (RFC 5881, port 3784, TTL must be 255) or multihop (RFC 5883, port 4784, TTL ≥ minimum); demux by peer.
import { isIPv4 } from 'node:net';
import type { Logger } from '../../../src/core/plugin-api';
import { loadSockopt, type SockoptHelper, type UdpHandle } from '../native';
import { BfdDecodeError, decodeBfdControl, type BfdControlPacket } from './codec';

export const BFD_SINGLE_HOP_PORT = 3784;
export const BFD_MULTIHOP_PORT = 4784;
/** FRR's default minimum TTL for multihop sessions (MetalLB's BFDProfile minimumTtl). */
export const DEFAULT_MULTIHOP_MIN_TTL = 254;
const SOURCE_PORT_MIN = 49152;
const SOURCE_PORT_MAX = 65535;
/** RFC 5881 §5: a single-hop packet arrives with TTL/hop limit 255 or it did not come from a neighbour. */
export const SINGLE_HOP_TTL = 255;

export type PacketHandler = (packet: BfdControlPacket) => void;

export interface BfdTransportOptions {
  /** RFC 5883 multihop: port 4784 and a per-session minimum TTL instead of exactly 255. */
  multihop?: boolean;
  /** Port to listen on (default 3784, or 4784 multihop; tests use others). */
  port?: number;
  /** Port the peer listens on (default as `port`). */
  peerPort?: number;
  /** VRF (or interface) the sockets are bound to (SO_BINDTODEVICE): BFD for a BGPPeer with `vrf`. */
  device?: string;
  logger: Logger;
  native?: SockoptHelper;
}

interface FamilySockets {
  rx: UdpHandle;
  tx: UdpHandle;
}

/** One listener per address family shared by all BFD sessions of the node. */
export class BfdTransport {
  private readonly native: SockoptHelper;
  private readonly sockets = new Map<4 | 6, FamilySockets>();
  private readonly handlers = new Map<string, { handler: PacketHandler; minTtl: number; warned: boolean }>();
  /** Packets dropped before any session saw them, by reason (for status and tests). */
  readonly dropped = { ttl: 0, decode: 0, unknownPeer: 0 };

  constructor(private readonly opts: BfdTransportOptions) {
    const native = opts.native ?? loadSockopt();
    if (!native?.udpOpen) throw new Error('BFD needs the native helper (native/tcpmd5) for TTL checks; build it with npm run build:native');
    this.native = native;
  }

  private get defaultPort(): number {
    return this.opts.multihop ? BFD_MULTIHOP_PORT : BFD_SINGLE_HOP_PORT;
  }

  /**
   * Starts delivering packets from `peer` to `handler`; returns the unregister function.
   * `minimumTtl` applies to multihop only: single-hop packets must arrive with TTL 255.
   */
  register(peer: string, handler: PacketHandler, minimumTtl = DEFAULT_MULTIHOP_MIN_TTL): () => void {
    const family = isIPv4(peer) ? 4 : 6;
    this.open(family);
    const entry = { handler, minTtl: this.opts.multihop ? minimumTtl : SINGLE_HOP_TTL, warned: false };
    this.handlers.set(peer, entry);
    return () => {
      if (this.handlers.get(peer) === entry) this.handlers.delete(peer);
      if (![...this.handlers.keys()].some((p) => (isIPv4(p) ? 4 : 6) === family)) this.closeFamily(family);
    };
  }

  send(peer: string, packet: Buffer): void {
    const s = this.sockets.get(isIPv4(peer) ? 4 : 6);
    if (s) this.native.udpSend(s.tx, packet, peer, this.opts.peerPort ?? this.opts.port ?? this.defaultPort);
  }

  close(): void {
    for (const f of [...this.sockets.keys()]) this.closeFamily(f);
    this.handlers.clear();
  }

  private open(family: 4 | 6): void {
    if (this.sockets.has(family)) return;
    const any = family === 4 ? '0.0.0.0' : '::';
    const rx = this.native.udpOpen(family, any, this.opts.port ?? this.defaultPort, this.opts.device ?? null, (msg, address, _port, ttl) => this.onMessage(msg, address, ttl));
    let tx: UdpHandle | undefined;
    // RFC 5881 §4: the source port is in 49152–65535; try a few random ones in that range.
    for (let i = 0; i < 32 && !tx; i++) {
      const port = SOURCE_PORT_MIN + Math.floor(Math.random() * (SOURCE_PORT_MAX - SOURCE_PORT_MIN + 1));
      try {
        tx = this.native.udpOpen(family, any, port, this.opts.device ?? null, () => undefined);
      } catch (err) {
        if ((err as { errno?: number }).errno !== 98 /* EADDRINUSE */) {
          this.native.udpClose(rx);
          throw err;
        }
      }
    }
    if (!tx) {
      this.native.udpClose(rx);
      throw new Error('BFD: no free source port in 49152-65535');
    }
    this.sockets.set(family, { rx, tx });
  }

  private closeFamily(family: 4 | 6): void {
    const s = this.sockets.get(family);
    if (!s) return;
    this.sockets.delete(family);
    this.native.udpClose(s.rx);
    this.native.udpClose(s.tx);
  }

  /** Once per registration: a session that never comes up because of TTL must say so (BIRD sends multihop BFD at TTL 64). */
  private warnTtl(peer: string, ttl: number, entry: { minTtl: number; warned: boolean }): void {
    const fields = { event: 'bfdTtlDrop', peer, ttl, minimumTtl: entry.minTtl };
    if (entry.warned) {
      this.opts.logger.debug(fields, 'BFD packet below the minimum TTL dropped (RFC 5881/5883)');
      return;
    }
    entry.warned = true;
    const hint = this.opts.multihop
      ? `lower the BFDProfile minimumTtl to at most ${ttl} if the peer is trusted at that distance`
      : 'single-hop BFD needs TTL 255: the peer is not directly connected, or does not send at TTL 255';
    this.opts.logger.warn(fields, `BFD packets from ${peer} arrive with TTL ${ttl}, below the minimum ${entry.minTtl}, and are dropped: ${hint}`);
  }

  private onMessage(msg: Buffer, address: string, ttl: number): void {
    const peer = address.replace(/^::ffff:(?=\d+\.)/i, '');
    const entry = this.handlers.get(peer);
    if (!entry) {
      this.dropped.unknownPeer++;
      return;
    }
    if (ttl < entry.minTtl) {
      this.dropped.ttl++;
      this.warnTtl(peer, ttl, entry);
      return;
    }
    let packet: BfdControlPacket;
    try {
      packet = decodeBfdControl(msg);
    } catch (err) {
      if (!(err instanceof BfdDecodeError)) throw err;
      this.dropped.decode++;
      this.opts.logger.debug({ event: 'bfdDecodeDrop', peer, reason: err.reason }, err.message);
      return;
    }
    entry.handler(packet);
  }
}
