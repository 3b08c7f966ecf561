// The public, versioned contract between the speaker core and announcement plugins (docs/plugins.md).
import { createHash } from 'node:crypto';
import type { Logger } from './log';
import type { Registry } from 'prom-client';
import type {
  BfdProfile,
  BgpAdvertisement,
  Config,
  ConfigIssue,
  L2Advertisement,
  Peer,
  PluginAdvertisement,
  Pool,
} from './config/model';
import type { ServiceKey, ServiceView } from './service';

export type {
  BfdProfile,
  BgpAdvertisement,
  Community,
  Config,
  ConfigIssue,
  IpRange,
  L2Advertisement,
  LabelSelector,
  Peer,
  PluginAdvertisement,
  Pool,
} from './config/model';
export type { ServiceKey, ServiceView, ServicePort } from './service';
export type { Logger } from './log';

export const PLUGIN_API_VERSION = 1 as const;

/** A short, one-way fingerprint of a secret: status can say which key is in use without revealing it (`doctor` compares). */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12);
}

/** Kubernetes label-selector matching, as the core uses it (node, service and pool selectors). */
export { selectorMatches, anySelectorMatches } from './config/selectors';

/** Read-only view of one pool, handed to a plugin's `validate`. */
export interface PoolConfigView {
  pool: Pool;
  /** The whole configuration, for cross-checks (peers, advertisements). */
  config: Readonly<Config>;
}

/** What a plugin is told on each configuration change: only what concerns its protocol. */
export interface PluginConfigView {
  protocol: string;
  pools: Pool[];
  peers: Peer[];
  bgpAdvertisements: BgpAdvertisement[];
  l2Advertisements: L2Advertisement[];
  pluginAdvertisements: PluginAdvertisement[];
  communityAliases: Record<string, string>;
  /** BFD profiles the peers may name (bgp only; optional so older views stay valid). */
  bfdProfiles?: BfdProfile[];
}

export interface NodeView {
  name: string;
  labels: Record<string, string>;
  /** Condition NetworkUnavailable == True. */
  networkUnavailable: boolean;
  /** InternalIP / ExternalIP addresses. */
  addresses: string[];
  /**
   * The node's interfaces and their subnets (`192.168.1.10/24`) as its speaker reports them on its
   * ConfigurationState; undefined until that speaker has reported. Every speaker sees the same data.
   */
  interfaces?: Array<{ name: string; cidrs: string[] }>;
}

export interface EndpointView {
  addresses: string[];
  nodeName?: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
}

/** Read-only cluster state a plugin may consult when deciding. */
export interface ClusterView {
  node(name: string): NodeView | undefined;
  nodes(): NodeView[];
  endpoints(key: ServiceKey): EndpointView[];
  /** Register a callback run when nodes or endpoints change; returns an unsubscribe function. */
  onChange(cb: () => void): () => void;
}

export interface EventRecorder {
  normal(key: ServiceKey, reason: string, message: string): void;
  warning(key: ServiceKey, reason: string, message: string): void;
}

/**
 * Per-Service status objects a plugin publishes (layer2 → ServiceL2Status, bgp → ServiceBGPStatus,
 * as MetalLB); the core adds node and service identity. Calls never throw; failures are logged.
 */
export interface ServiceStatusPublisher {
  set(key: ServiceKey, status: Record<string, unknown>): void;
  delete(key: ServiceKey): void;
}

export interface PluginContext {
  nodeName: string;
  logger: Logger;
  metrics: Registry;
  cluster: ClusterView;
  events: EventRecorder;
  signal: AbortSignal;
  /** Ask the core to re-evaluate every Service (e.g. after a membership change). */
  requestResync(reason: string): void;
  /** Plugin-specific settings from the speaker's values (`speaker.plugins[].options`). */
  options: Record<string, unknown>;
  /** The speaker's secrets a plugin may need (e.g. `memberlist` secretkey), by name. */
  secret(name: string, key: string): string | undefined;
  /** Publishes per-Service status objects (no-op for protocols without a status kind). */
  serviceStatus: ServiceStatusPublisher;
}

export interface Decision {
  announce: boolean;
  reason: string;
}

export interface PluginStatus {
  healthy: boolean;
  message?: string;
  /** Free-form per-plugin details (sessions, owners); shown by /readyz and status objects. */
  details?: Record<string, unknown>;
}

export interface Announcer {
  setConfig(cfg: PluginConfigView): Promise<void>;
  shouldAnnounce(svc: ServiceView, pool: string): Decision;
  setBalancer(key: ServiceKey, ips: string[], pool: string, svc: ServiceView): Promise<void>;
  deleteBalancer(key: ServiceKey): Promise<void>;
  status(): PluginStatus;
  shutdown(): Promise<void>;
}

export interface AnnouncerPlugin {
  /** Canonical protocol name matched against a pool's protocol. */
  protocol: string;
  /** Other names accepted for the same protocol (`arp` for `layer2`). */
  aliases?: string[];
  apiVersion: typeof PLUGIN_API_VERSION;
  /** Extra, located configuration checks for pools of this protocol. */
  validate?(view: PoolConfigView): ConfigIssue[];
  create(ctx: PluginContext): Announcer;
}
