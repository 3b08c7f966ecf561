// The layer2 plugin's settings (values `speaker.plugins[].options` for layer2), validated with defaults.
import { DEFAULT_KEY_DERIVATION, KeyDerivation, parseKeyDerivation } from '../../src/memberlist';
import type { GratuitousTiming } from './gratuitous';
import { METALLB_GRATUITOUS } from './gratuitous';
import { RESCAN_INTERVAL_MS } from './responders';

export interface MemberlistSettings {
  enabled: boolean;
  /** Node IP to bind (default: the Node's first address). */
  bindAddr?: string;
  bindPort: number;
  /** ADDR:PORT peers to join; default: every other Node's first address at bindPort. */
  join?: string[];
  profile: 'lan' | 'fast';
  label: string;
  /** How the Secret becomes the key we send with; keys of every derivation are accepted on receive. */
  keyDerivation: KeyDerivation;
  /** Gossip without encryption when the `memberlist` Secret is missing (MetalLB does it silently; we need an opt-in). */
  insecureClear: boolean;
  /** Re-join period while alone (MetalLB: every minute). */
  rejoinMs: number;
}

export interface Layer2Options {
  memberlist: MemberlistSettings;
  /** Restrict responders to these interfaces (default: every eligible interface). */
  interfaces: string[];
  /**
   * Only nodes with an interface on the VIP's subnet announce it, on that interface (default true;
   * an L2Advertisement's `interfaces` wins; false: MetalLB's behaviour, every node is a candidate).
   */
  subnetAware: boolean;
  ipv6: boolean;
  rescanMs: number;
  gratuitous: GratuitousTiming;
  /** Level of the per-request "got ARP/NDP request" line; MetalLB logs it at debug. */
  requestLogLevel: 'info' | 'debug';
  /** On shutdown, keep answering up to this long for another node to announce our IPs (0 = stop at once). */
  handoverMs: number;
  /** At most one duplicateOwner event/log per IP, MAC and interface in this interval. */
  duplicateReportIntervalMs: number;
  /** Report a claim only if we still announce the IP this long after it (ownership changes overlap briefly). */
  duplicateConfirmMs: number;
}

function num(v: unknown, def: number, name: string, min = 0): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new Error(`layer2 option ${name} must be a number ≥ ${min}`);
  return v;
}

function strs(v: unknown, name: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new Error(`layer2 option ${name} must be a list of strings`);
  return v as string[];
}

function bool(v: unknown, def: boolean, name: string): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new Error(`layer2 option ${name} must be true or false`);
  return v;
}

/** Parses plugin options; throws an Error naming the bad option. */
export function parseLayer2Options(raw: Record<string, unknown>): Layer2Options {
  const mlRaw = raw.memberlist;
  const ml = (mlRaw === false ? { enabled: false } : (mlRaw ?? {})) as Record<string, unknown>;
  if (typeof ml !== 'object' || Array.isArray(ml)) throw new Error('layer2 option memberlist must be a mapping or false');
  const profile = ml.profile ?? 'lan';
  if (profile !== 'lan' && profile !== 'fast') throw new Error('layer2 option memberlist.profile must be lan or fast');
  const g = (raw.gratuitous ?? {}) as Record<string, unknown>;
  const lvl = raw.requestLogLevel ?? 'debug';
  if (lvl !== 'info' && lvl !== 'debug') throw new Error('layer2 option requestLogLevel must be info or debug');
  return {
    memberlist: {
      enabled: bool(ml.enabled, true, 'memberlist.enabled'),
      bindAddr: typeof ml.bindAddr === 'string' ? ml.bindAddr : undefined,
      bindPort: num(ml.bindPort, 7946, 'memberlist.bindPort'),
      join: strs(ml.join, 'memberlist.join'),
      profile,
      label: typeof ml.label === 'string' ? ml.label : '',
      keyDerivation: parseKeyDerivation(ml.keyDerivation ?? DEFAULT_KEY_DERIVATION, 'layer2 option memberlist.keyDerivation'),
      insecureClear: bool(ml.insecureClear, false, 'memberlist.insecureClear'),
      rejoinMs: num(ml.rejoinMs, 60_000, 'memberlist.rejoinMs', 100),
    },
    interfaces: strs(raw.interfaces, 'interfaces') ?? [],
    subnetAware: bool(raw.subnetAware, true, 'subnetAware'),
    ipv6: bool(raw.ipv6, true, 'ipv6'),
    rescanMs: num(raw.rescanMs, RESCAN_INTERVAL_MS, 'rescanMs', 100),
    gratuitous: {
      intervalMs: num(g.intervalMs, METALLB_GRATUITOUS.intervalMs, 'gratuitous.intervalMs', 1),
      durationMs: num(g.durationMs, METALLB_GRATUITOUS.durationMs, 'gratuitous.durationMs'),
    },
    requestLogLevel: lvl,
    handoverMs: num(raw.handoverMs, 5000, 'handoverMs'),
    duplicateReportIntervalMs: num(raw.duplicateReportIntervalMs, 60_000, 'duplicateReportIntervalMs'),
    duplicateConfirmMs: num(raw.duplicateConfirmMs, 2000, 'duplicateConfirmMs'),
  };
}
