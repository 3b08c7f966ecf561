// How a memberlist node sends packets and opens streams: the seam between the protocol and the network (UDP and TCP in production, in memory in tests).
import type { Duplex } from 'node:stream';

/** Where a packet came from. */
export interface PacketSource {
  /** Sender address. */
  address: string;
  /** Sender port. */
  port: number;
}

/** A stream to or from another node: a TCP socket, or one side of an in-memory pair. */
export interface StreamSocket extends Duplex {
  /** The peer's address. */
  readonly remoteAddress?: string;
  /** The peer's port. */
  readonly remotePort?: number;
}

/** What a transport calls on incoming traffic. */
export interface TransportHandlers {
  /** One UDP packet arrived. */
  onPacket: (buf: Buffer, from: PacketSource) => void;
  /** A TCP stream was accepted. */
  onStream: (socket: StreamSocket) => void;
}

/** One node's packet and stream endpoint, bound to `address:port`. */
export interface Transport {
  /** The bound address. */
  readonly address: string;
  /** The bound port. */
  readonly port: number;
  /** Best effort, like UDP: a packet that cannot go is lost silently. */
  sendPacket(buf: Buffer, host: string, port: number): void;
  /** Opens a stream, failing after `timeoutMs`. */
  dial(host: string, port: number, timeoutMs: number): Promise<StreamSocket>;
  /** Stops listening and closes everything. */
  close(): Promise<void>;
}

/** Binds `address:port` (port 0: any free one) and hands what arrives to `handlers`. */
export type TransportFactory = (address: string, port: number, handlers: TransportHandlers) => Promise<Transport>;
