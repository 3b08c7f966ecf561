// BFD for BGP peers: builds a BfdSession per peer that names a BFDProfile, sharing one lazily opened transport.
import type { BfdProfile, Logger, Peer } from '../../../src/core/plugin-api';
import type { Registry } from 'prom-client';
import { BfdSession } from './session';
import { BfdTransport, type BfdTransportOptions } from './transport';

/** What the announcer needs from a BFD session (BfdSession, or a fake in tests). */
export interface BfdLike {
  readonly state: string;
  start(): void;
  stop(): void;
  on(event: 'down', listener: (info: { diag: number; from: string }) => void): unknown;
}

export interface BfdSessions {
  create(peer: Peer, profile: BfdProfile): BfdLike;
  /** Closes the shared sockets (after every session was stopped). */
  close(): void;
}

/** Real sessions over UDP 3784 with the native TTL helper. */
export function nativeBfdSessions(opts: { logger: Logger; metrics?: Registry; transport?: Partial<BfdTransportOptions> }): BfdSessions {
  let transport: BfdTransport | undefined;
  return {
    create(peer, profile) {
      transport ??= new BfdTransport({ logger: opts.logger, ...opts.transport });
      return new BfdSession(peer.peerAddress, profile, transport, { logger: opts.logger, metrics: opts.metrics, name: peer.name });
    },
    close() {
      transport?.close();
      transport = undefined;
    },
  };
}
