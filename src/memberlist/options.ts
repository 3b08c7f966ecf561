// Constructor options of Memberlist and their validation (key or explicit clear text, label, timings).
import type { Registry } from 'prom-client';
import { Keyring } from './crypto';
import { DEFAULT_KEY_DERIVATION, KEY_DERIVATIONS, KeyDerivation, installSecretKeys, parseKeyDerivation } from './key-derivation';
import { validateLabel } from './label';
import { NetTransport } from './net-transport';
import { MemberlistTimings, ProfileName, profileTimings } from './profiles';
import type { TransportFactory } from './transport';

/** The subset of a pino logger the library uses (pass `log.child({caller:'memberlist'})`). */
export interface MemberlistLogger {
  /** Debug line. */
  debug(obj: object, msg?: string): void;
  /** Info line. */
  info(obj: object, msg?: string): void;
  /** Warning line. */
  warn(obj: object, msg?: string): void;
  /** Error line. */
  error(obj: object, msg?: string): void;
}

/** Options of `new Memberlist(...)`. */
export interface MemberlistOptions {
  /** Unique member name (MetalLB: the node name). */
  name: string;
  /** Address to bind UDP and TCP to. */
  bindAddr: string;
  /** 7946 by default; 0 picks a free port. */
  bindPort?: number;
  /** Address/port others should use (default: bind address/port). */
  advertiseAddr?: string;
  /** Port others should use (default the bound port). */
  advertisePort?: number;
  /** MetalLB Secret `secretkey` value; the `keyDerivation` key becomes primary, the others secondary. */
  secret?: string | Buffer;
  /** How `secret` becomes the key we send with (default `metallb-v0.16.2`, as current MetalLB). */
  keyDerivation?: KeyDerivation;
  /** Derivations whose keys we also accept on receive (default: all of them, so a cluster can roll). */
  acceptKeyDerivations?: KeyDerivation[];
  /** Raw AES keys (16/24/32 bytes); the first is primary unless `secret` is given. */
  keys?: Buffer[];
  /** Required to run without any key (MetalLB gossips in clear when no secret exists). */
  insecureClear?: boolean;
  /** Label header (memberlist ≥ 0.3 only); "" (default) = none, as MetalLB. */
  label?: string;
  /** Timing profile: `lan` (memberlist DefaultLANConfig, as MetalLB) or `fast`. */
  profile?: ProfileName;
  /** Overrides of single timings. */
  timings?: Partial<MemberlistTimings>;
  /** Node metadata gossiped with alive messages (≤ 512 bytes). */
  meta?: Buffer;
  /** Compress UDP messages when it saves bytes and all TCP streams (Go default true). */
  compression?: boolean;
  /** TCP ping fallback when UDP probes fail (Go default true). */
  tcpPings?: boolean;
  /** Where log lines go (default none). */
  logger?: MemberlistLogger;
  /** prom-client registry for the metrics (default none). */
  registry?: Registry;
  /** How packets and streams travel (default: UDP and TCP on bindAddr:bindPort); tests pass `new MemoryNetwork().transport`. */
  transport?: TransportFactory;
}

export interface ResolvedOptions {
  name: string;
  bindAddr: string;
  bindPort: number;
  advertiseAddr?: string;
  advertisePort?: number;
  keyring: Keyring;
  label: string;
  timings: MemberlistTimings;
  meta: Buffer;
  compression: boolean;
  tcpPings: boolean;
  transport: TransportFactory;
}

export const DEFAULT_PORT = 7946;
export const META_MAX_SIZE = 512;

export function resolveOptions(o: MemberlistOptions): ResolvedOptions {
  if (!o.name) throw new Error('memberlist: name is required');
  const keyring = new Keyring(o.keys ?? []);
  if (o.secret !== undefined && o.secret.length > 0) {
    const send = parseKeyDerivation(o.keyDerivation ?? DEFAULT_KEY_DERIVATION, 'memberlist keyDerivation');
    const accept = (o.acceptKeyDerivations ?? KEY_DERIVATIONS).map((d) => parseKeyDerivation(d, 'memberlist acceptKeyDerivations'));
    installSecretKeys(keyring, o.secret, send, accept);
  }
  if (keyring.size === 0 && !o.insecureClear) {
    throw new Error('memberlist: no encryption key configured; pass a secret/keys or insecureClear: true to gossip in clear text');
  }
  const label = o.label ?? '';
  validateLabel(label);
  const meta = o.meta ?? Buffer.alloc(0);
  if (meta.length > META_MAX_SIZE) throw new Error(`memberlist: meta longer than ${META_MAX_SIZE} bytes`);
  return {
    name: o.name,
    bindAddr: o.bindAddr,
    bindPort: o.bindPort ?? DEFAULT_PORT,
    advertiseAddr: o.advertiseAddr,
    advertisePort: o.advertisePort,
    keyring,
    label,
    timings: profileTimings(o.profile ?? 'fast', o.timings),
    meta,
    compression: o.compression ?? true,
    tcpPings: o.tcpPings ?? true,
    transport: o.transport ?? ((address, port, handlers) => NetTransport.bind(address, port, handlers)),
  };
}
