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
  on(event: 'up', listener: () => void): unknown;
}

export interface BfdSessions {
  create(peer: Peer, profile: BfdProfile): BfdLike;
  /** Closes the shared sockets (after every session was stopped). */
  close(): void;
}

/** Real sessions over UDP 3784 with the native TTL helper. */
export function nativeBfdSessions(opts: { logger: Logger; metrics?: Registry; transport?: Partial<BfdTransportOptions> }): BfdSessions {
  // One transport for single-hop peers (3784) and one for ebgp-multihop peers (RFC 5883, 4784), per VRF (sockets bound to it).
  const transports = new Map<string, BfdTransport>();
  return {
    create(peer, profile) {
      const multihop = peer.ebgpMultiHop;
      const key = JSON.stringify([multihop, peer.vrf ?? null]);
      let transport = transports.get(key);
      if (!transport) {
        transport = new BfdTransport({ logger: opts.logger, ...opts.transport, multihop, ...(peer.vrf !== undefined ? { device: peer.vrf } : {}) });
        transports.set(key, transport);
      }
      return new BfdSession(peer.peerAddress, profile, transport, { logger: opts.logger, metrics: opts.metrics, name: peer.name });
    },
    close() {
      for (const t of transports.values()) t.close();
      transports.clear();
    },
  };
}
