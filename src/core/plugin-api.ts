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
  PoolConfigView,
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
  LabelSelectorRequirement,
  Peer,
  PluginAdvertisement,
  Pool,
  ServiceAllocation,
  SourceLocation,
  PoolConfigView,
} from './config/model';
export type { IpFamilyPolicy, ServiceKey, ServiceRef, ServiceView, ServicePort } from './service';
export type { Logger } from './log';

/**
 * Version of this contract; a plugin sets `apiVersion` to it and the registry refuses any other.
 * Bumped only on a breaking change (docs/plugins.md, "Versioning").
 */
export const PLUGIN_API_VERSION = 1 as const;

/** A short, one-way fingerprint of a secret: status can say which key is in use without revealing it (`doctor` compares). */
export function secretFingerprint(secret: string): string {
  return createHash('sha256').update(secret).digest('hex').slice(0, 12);
}

/** Kubernetes label-selector matching, as the core uses it (node, service and pool selectors). */
export { selectorMatches, anySelectorMatches } from './config/selectors';

/**
 * IP address helpers: addresses as `{family, value: bigint}` so IPv4 and IPv6 share one arithmetic, parsed
 * as strictly as the Kubernetes API server does (`parseIp`), and the canonical text the core uses in
 * `ServiceView.ingressIPs` and in the `ips` of `setBalancer` (`canonicalIp`).
 */
export { parseIp, formatIp, canonicalIp, ipToBuffer, ipFromBuffer, ipBits, isIpv4Mapped } from './net/ip';
export type { Ip, IpFamily } from './net/ip';

/** Interface subnets (`192.168.1.10/24`) as address ranges, to ask whether a VIP lies on a node's LAN. */
export { parseSubnet, subnetContains } from './net/subnet';
export type { Subnet } from './net/subnet';

/** `namespace/name`, the key the core uses for a Service in logs, metrics and maps, and its inverse. */
export { serviceKeyString, parseServiceKey } from './service';

/** A logger that drops everything: a default for plugin parts used without a `PluginContext` (tests, tools). */
export { silentLogger } from './log';

/**
 * Which of a plugin's advertisements apply to a pool on a node for a Service (the rule the speaker applies before
 * `shouldAnnounce`); use it in `setBalancer` to find the `options` in force for a pool.
 */
export { matchingPluginAdvertisements } from './config/plugin-advertisement-match';

/** A `Config` with every list empty: the start of one built by hand (tools, tests). */
export { emptyConfig } from './config/model';

/** What a plugin is told on each configuration change: only what concerns its protocol. */
export interface PluginConfigView {
  /** The plugin's canonical protocol. */
  protocol: string;
  /** Pools whose protocol (or advertisement kind) maps to this plugin. */
  pools: Pool[];
  /** BGP peers (bgp only; empty for other protocols). */
  peers: Peer[];
  /** BGP advertisements of these pools (bgp only). */
  bgpAdvertisements: BgpAdvertisement[];
  /** L2 advertisements of these pools (layer2 only). */
  l2Advertisements: L2Advertisement[];
  /** Advertisements naming this protocol for these pools. */
  pluginAdvertisements: PluginAdvertisement[];
  /** Community alias → value text (bgp). */
  communityAliases: Record<string, string>;
  /** BFD profiles the peers may name (bgp only; optional so older views stay valid). */
  bfdProfiles?: BfdProfile[];
}

/**
 * The part of `config` that concerns `protocol`, cut as the speaker cuts it for that protocol's plugin: pools announcing
 * the protocol; peers, BGP advertisements and BFD profiles only for `bgp`; L2 advertisements only for `layer2`.
 */
export function pluginConfigView(protocol: string, config: Config): PluginConfigView {
  const pools = config.pools.filter((p) => p.protocols.includes(protocol));
  const names = new Set(pools.map((p) => p.name));
  const touches = (a: { pools: string[] }): boolean => a.pools.some((p) => names.has(p));
  return {
    protocol,
    pools,
    peers: protocol === 'bgp' ? config.peers : [],
    bgpAdvertisements: protocol === 'bgp' ? config.bgpAdvertisements.filter(touches) : [],
    l2Advertisements: protocol === 'layer2' ? config.l2Advertisements.filter(touches) : [],
    pluginAdvertisements: config.pluginAdvertisements.filter((a) => a.protocol === protocol && touches(a)),
    communityAliases: config.communityAliases,
    bfdProfiles: protocol === 'bgp' ? config.bfdProfiles : [],
  };
}

/** A Kubernetes Node as plugins see it. */
export interface NodeView {
  /** metadata.name. */
  name: string;
  /** metadata.labels. */
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

/** One endpoint of a Service (from its EndpointSlices), with the conditions MetalLB's election reads. */
export interface EndpointView {
  /** The endpoint addresses. */
  addresses: string[];
  /** The node the endpoint runs on, when known. */
  nodeName?: string;
  /** Condition ready. */
  ready: boolean;
  /** Condition serving. */
  serving: boolean;
  /** Condition terminating. */
  terminating: boolean;
}

/** Read-only cluster state a plugin may consult when deciding. */
export interface ClusterView {
  /** One node by name, or undefined when it is not (yet) known. */
  node(name: string): NodeView | undefined;
  /** All known nodes. */
  nodes(): NodeView[];
  /** The Service's endpoints (empty when it has none or is unknown). */
  endpoints(key: ServiceKey): EndpointView[];
  /** Register a callback run when nodes or endpoints change; returns an unsubscribe function. */
  onChange(cb: () => void): () => void;
}

/** Records Kubernetes Events on a Service (as the speaker's component). */
export interface EventRecorder {
  /** Records a Normal Event on the Service. */
  normal(key: ServiceKey, reason: string, message: string): void;
  /** Records a Warning Event on the Service. */
  warning(key: ServiceKey, reason: string, message: string): void;
}

/**
 * Per-Service status objects a plugin publishes (layer2 → ServiceL2Status, bgp → ServiceBGPStatus,
 * as MetalLB); the core adds node and service identity. Calls never throw; failures are logged.
 */
export interface ServiceStatusPublisher {
  /** Creates or updates this node's status object for the Service with these status fields. */
  set(key: ServiceKey, status: Record<string, unknown>): void;
  /** Deletes this node's status object for the Service. */
  delete(key: ServiceKey): void;
}

/** What the speaker hands a plugin's `create`. */
export interface PluginContext {
  /** The node this speaker runs on. */
  nodeName: string;
  /** pino logger with `protocol` bound; log with `event`, `service`, `ip`, `pool` as MetalLB does. */
  logger: Logger;
  /** The speaker's prom-client registry, served on `/metrics`. */
  metrics: Registry;
  /** Read-only nodes and endpoints, with change notifications. */
  cluster: ClusterView;
  /** Kubernetes Events on Services. */
  events: EventRecorder;
  /** Aborted when the speaker shuts down. */
  signal: AbortSignal;
  /** Ask the core to re-evaluate every Service (e.g. after a membership change). */
  requestResync(reason: string): void;
  /** Plugin-specific settings from the speaker's values (`speaker.plugins[].options`). */
  options: Record<string, unknown>;
  /** The speaker's secrets a plugin may need (e.g. `memberlist` secretkey), by name. */
  secret(name: string, key: string): string | undefined;
  /** Publishes per-Service status objects (no-op for protocols without a status kind). */
  serviceStatus: ServiceStatusPublisher;
  /**
   * Resolves once the speaker's initial sync (config, Services, endpoints) has been handed to the plugins,
   * so a plugin knows its table is complete (bgp: End-of-RIB after a restart). Absent: treat as already done.
   */
  initialSync?: Promise<void>;
}

/** A plugin's answer to `shouldAnnounce`. */
export interface Decision {
  /** Whether this node announces. */
  announce: boolean;
  /** Why; logged (`serviceWithdrawn`) when it ends an announcement. */
  reason: string;
}

/** Health of a plugin instance, for `/readyz` and metrics. */
export interface PluginStatus {
  /** False marks the plugin unhealthy on `/readyz`. */
  healthy: boolean;
  /** Why, when unhealthy. */
  message?: string;
  /** Free-form per-plugin details (sessions, owners); shown by /readyz and status objects. */
  details?: Record<string, unknown>;
}

/** A running plugin instance on one speaker (what `create` returns). */
export interface Announcer {
  /** Called on every accepted configuration change, with only this protocol's part. */
  setConfig(cfg: PluginConfigView): Promise<void>;
  /** Whether this node should announce the Service's IPs from `pool`; synchronous and quick. */
  shouldAnnounce(svc: ServiceView, pool: string): Decision;
  /** Announce `ips` for the Service; called again on each re-evaluation, so it must be idempotent. */
  setBalancer(key: ServiceKey, ips: string[], pool: string, svc: ServiceView): Promise<void>;
  /** Stop announcing the Service (after a successful `setBalancer`). */
  deleteBalancer(key: ServiceKey): Promise<void>;
  /** Health and details, for `/readyz` and metrics; synchronous and quick. */
  status(): PluginStatus;
  /** Release everything (sockets, sessions, timers) on speaker shutdown. */
  shutdown(): Promise<void>;
}

/** What a plugin module exports (as `default`, as `plugin`, or as the module itself). */
export interface AnnouncerPlugin {
  /** Canonical protocol name matched against a pool's protocol. */
  protocol: string;
  /** Other names accepted for the same protocol (`arp` for `layer2`). */
  aliases?: string[];
  /** Must be `PLUGIN_API_VERSION`. */
  apiVersion: typeof PLUGIN_API_VERSION;
  /**
   * Extra configuration checks for pools of this protocol, also run by the controller and `metallbts validate`/`plan`.
   * An issue without `file` gets the pool's file, one with an empty `path` the pool's path (`view.pool.source`).
   */
  validate?(view: PoolConfigView): ConfigIssue[];
  /** Called once per speaker (never by the controller or `validate`). */
  create(ctx: PluginContext): Announcer;
}
