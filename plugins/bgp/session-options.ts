// Options of one BGP session, their MetalLB defaults, and the reconnect backoff schedule.
import type { Registry } from 'prom-client';
import { isIP, isIPv4, isIPv6 } from 'node:net';
import type { Logger } from '../../src/core/plugin-api';
import type { InterfaceTable } from './router-id';
import type { Family } from './codec';

export interface BgpSessionOptions {
  peerAddress: string;
  /** Default 179. */
  peerPort?: number;
  sourceAddress?: string;
  myAsn: number;
  peerAsn: number;
  /** Dotted quad; default: the session's local IPv4 address, else one of the node's (see router-id.ts). */
  routerId?: string;
  /** The node's addresses, for the default router ID; default os.networkInterfaces (tests inject). */
  interfaces?: () => InterfaceTable;
  /** Seconds; 0 or ≥ 3. Default 90. */
  holdTime?: number;
  /** Seconds; default hold/3. */
  keepaliveTime?: number;
  /** Seconds for TCP connect plus the peer's OPEN. Default 10. */
  connectTime?: number;
  /** eBGP packets leave with TTL 255 instead of 1 (needs the native helper; iBGP is untouched). */
  ebgpMultihop?: boolean;
  /** TCP-MD5 key (RFC 2385); needs the native helper. */
  password?: string;
  /**
   * Advertise the graceful restart capability (RFC 4724) with this restart time (seconds).
   * `forwardingPreserved` (default true) is the per-family F bit: the node keeps forwarding to the
   * announced addresses (kube-proxy/CNI, not this process) while the speaker restarts.
   */
  gracefulRestart?: { restartTime: number; forwardingPreserved?: boolean };
  /** Hold End-of-RIB after the initial table until `endOfRibReady()` (the speaker's initial sync is done). */
  deferEndOfRib?: boolean;
  /** VRF device (or plain interface) the session is bound to (SO_BINDTODEVICE); local addresses and next hops come from it. */
  vrf?: string;
  /** Where `vrf` was configured (e.g. `BGPPeer/router.spec.vrf`), so a missing device is reported there. */
  vrfSource?: string;
  /** Address families offered in OPEN (MP capabilities). Default both; a BGPPeer without dualStackAddressFamily offers its own only. */
  families?: Family[];
  /** Next hops to advertise; default: the session's local address (IPv4-mapped for v6 over v4). */
  nextHopV4?: string;
  nextHopV6?: string;
  /** Reconnect backoff: delays of 0, 1, 2, 4 … × unitMs, capped at maxMs. Defaults 1000 / 120000. */
  backoff?: { unitMs?: number; maxMs?: number };
  logger?: Logger;
  metrics?: Registry;
  /** Label for logs and metrics; default "address:port" or just the address for port 179. */
  name?: string;
}

export interface ResolvedOptions extends Required<Pick<BgpSessionOptions, 'peerAddress' | 'peerPort' | 'myAsn' | 'peerAsn' | 'holdTime' | 'connectTime' | 'name' | 'families'>> {
  raw: BgpSessionOptions;
}

export class BgpOptionsError extends Error {}

const ASN_MAX = 0xffffffff;

export function resolveOptions(o: BgpSessionOptions): ResolvedOptions {
  const holdTime = o.holdTime ?? 90;
  if (!Number.isInteger(holdTime) || holdTime < 0 || holdTime > 0xffff || holdTime === 1 || holdTime === 2) {
    throw new BgpOptionsError(`hold time must be 0 or 3..65535 seconds, got ${holdTime}`);
  }
  for (const [k, v] of [['my-asn', o.myAsn], ['peer-asn', o.peerAsn]] as const) {
    if (!Number.isInteger(v) || v < 1 || v > ASN_MAX) throw new BgpOptionsError(`${k} must be 1..${ASN_MAX}, got ${v}`);
  }
  if (o.keepaliveTime !== undefined && (!(o.keepaliveTime >= 0) || (holdTime > 0 && o.keepaliveTime > holdTime))) {
    throw new BgpOptionsError(`keepalive time ${o.keepaliveTime} must be between 0 and the hold time`);
  }
  if (o.password !== undefined && Buffer.byteLength(o.password) > 80) throw new BgpOptionsError('TCP-MD5 password longer than 80 bytes');
  const addr = (v: string | undefined, name: string, check: (x: string) => boolean, what: string) => {
    if (v !== undefined && !check(v)) throw new BgpOptionsError(`${name} must be ${what}, got ${JSON.stringify(v)}`);
  };
  addr(o.peerAddress, 'peer address', (x) => isIP(x) !== 0, 'an IP address');
  addr(o.sourceAddress, 'source address', (x) => isIP(x) !== 0, 'an IP address');
  addr(o.routerId, 'router ID', isIPv4, 'a dotted-quad IPv4 address');
  addr(o.nextHopV4, 'IPv4 next hop', isIPv4, 'an IPv4 address');
  addr(o.nextHopV6, 'IPv6 next hop', isIPv6, 'an IPv6 address');
  if (o.gracefulRestart && !(Number.isInteger(o.gracefulRestart.restartTime) && o.gracefulRestart.restartTime >= 0 && o.gracefulRestart.restartTime <= 4095)) {
    throw new BgpOptionsError('graceful restart time must be 0..4095 seconds');
  }
  if (o.vrf !== undefined && !/^[^\s/:]{1,15}$/.test(o.vrf)) throw new BgpOptionsError(`vrf must be a network device name (1..15 characters, no spaces, "/" or ":"), got ${JSON.stringify(o.vrf)}`);
  const families = o.families ?? [4, 6];
  if (families.length === 0 || families.some((f) => f !== 4 && f !== 6) || new Set(families).size !== families.length) {
    throw new BgpOptionsError(`families must be 4 and/or 6, got ${JSON.stringify(families)}`);
  }
  const peerPort = o.peerPort ?? 179;
  if (!Number.isInteger(peerPort) || peerPort < 1 || peerPort > 65535) throw new BgpOptionsError(`peer port must be 1..65535, got ${peerPort}`);
  return {
    peerAddress: o.peerAddress,
    peerPort,
    myAsn: o.myAsn,
    peerAsn: o.peerAsn,
    holdTime,
    connectTime: o.connectTime ?? 10,
    families: [...families].sort(),
    name: o.name ?? (peerPort === 179 ? o.peerAddress : `${o.peerAddress}:${peerPort}`),
    raw: o,
  };
}

/** Delay before connection attempt `attempt` (0-based): 0, 1, 2, 4, … units, capped. */
export function backoffDelay(attempt: number, unitMs = 1000, maxMs = 120_000): number {
  if (attempt <= 0) return 0;
  return Math.min(maxMs, unitMs * 2 ** Math.min(attempt - 1, 30));
}

/** Hold and keepalive (seconds) after OPEN exchange: hold = min, keepalive = configured or hold/3. */
export function negotiateTimers(ourHold: number, peerHold: number, keepalive?: number): { hold: number; keepalive: number } {
  const hold = Math.min(ourHold, peerHold);
  if (hold === 0) return { hold: 0, keepalive: 0 };
  const k = keepalive !== undefined && keepalive > 0 ? Math.min(keepalive, hold) : Math.floor(hold / 3);
  return { hold, keepalive: Math.max(1, k) };
}
