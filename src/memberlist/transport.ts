// How a memberlist node sends packets and opens streams: the seam between the protocol and the network (UDP and TCP in production, in memory in tests).
import type { Duplex } from 'node:stream';

export interface PacketSource {
  address: string;
  port: number;
}

/** A stream to or from another node: a TCP socket, or one side of an in-memory pair. */
export interface StreamSocket extends Duplex {
  readonly remoteAddress?: string;
  readonly remotePort?: number;
}

export interface TransportHandlers {
  onPacket: (buf: Buffer, from: PacketSource) => void;
  onStream: (socket: StreamSocket) => void;
}

/** One node's packet and stream endpoint, bound to `address:port`. */
export interface Transport {
  readonly address: string;
  readonly port: number;
  /** Best effort, like UDP: a packet that cannot go is lost silently. */
  sendPacket(buf: Buffer, host: string, port: number): void;
  /** Opens a stream, failing after `timeoutMs`. */
  dial(host: string, port: number, timeoutMs: number): Promise<StreamSocket>;
  close(): Promise<void>;
}

/** Binds `address:port` (port 0: any free one) and hands what arrives to `handlers`. */
export type TransportFactory = (address: string, port: number, handlers: TransportHandlers) => Promise<Transport>;
