// The speaker's configuration state, as the controller's: last good config, stale/loaded gauges, ConfigurationState.
import { networkInterfaces } from 'node:os';
import type { Registry } from 'prom-client';
import { conditionGauge, newlyFalse, setConditionGauge, type ComponentStateSink, type StateCondition } from '../component-state';
import { ConfigAcceptance } from '../config/acceptance';
import type { LoadResult } from '../config/load';
import type { Config } from '../config/model';
import type { Logger } from '../log';
import type { PluginStatus } from '../plugin-api';

/** A host interface and its addresses with prefix length (the speaker runs in the node's network namespace). */
export interface HostInterface {
  name: string;
  cidrs: string[];
}

export interface SpeakerStateDeps {
  nodeName: string;
  metrics: Registry;
  sink?: ComponentStateSink;
  logger: Logger;
  /** Each plugin's status (layer2: members, interfaces; bgp: sessions). */
  plugins: () => Record<string, PluginStatus>;
  /** Extra conditions computed elsewhere (e.g. memberlist reachability); default none. */
  conditions?: () => StateCondition[];
  /** Host interfaces (default: this process's network namespace). */
  interfaces?: () => HostInterface[];
  /** Other speakers that report (their ConfigurationStates): the memberlist should see each recent one. */
  peers?: () => Promise<Array<{ node: string; lastUpdate?: string }>>;
  /** Republish at most this often when nothing changed (default 5 min); changes are published at the next tick. */
  refreshMs?: number;
  tickMs?: number;
}

export class SpeakerState {
  private readonly acceptance: ConfigAcceptance;
  private readonly log: Logger;
  private lastPublished = '';
  private lastPublishedAt = 0;
  private timer?: NodeJS.Timeout;
  private publishing?: Promise<void>;
  private peerNodes?: string[];
  private published?: StateCondition[];

  constructor(private readonly deps: SpeakerStateDeps) {
    this.log = deps.logger.child({ caller: 'speaker-state' });
    this.acceptance = new ConfigAcceptance(deps.logger.child({ caller: 'speaker' }), deps.metrics);
  }

  /** The configuration in force (the last valid one). */
  current(): Config | undefined {
    return this.acceptance.current();
  }

  /** A new configuration arrived: returns it when accepted, undefined when rejected (the last good one stays). */
  async offer(result: LoadResult): Promise<Config | undefined> {
    const accepted = this.acceptance.offer(result);
    await this.publish();
    return accepted;
  }

  /** Publishes now and then on every tick when something changed (plugin health, members, sessions). */
  start(): void {
    const tick = this.deps.tickMs ?? 10_000;
    this.timer = setInterval(() => void this.publish(), tick);
    this.timer.unref();
    void this.publish();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.publishing;
  }

  /** Writes the ConfigurationState when its content changed or the refresh interval passed; never throws. */
  async publish(): Promise<void> {
    const previous = this.publishing;
    const run = (async (): Promise<void> => {
      await previous;
      await this.refreshPeers();
      const state = this.snapshot();
      setConditionGauge(conditionGauge(this.deps.metrics), state.conditions);
      const text = JSON.stringify(state);
      const now = Date.now();
      if (this.deps.sink && (text !== this.lastPublished || now - this.lastPublishedAt >= (this.deps.refreshMs ?? 300_000))) {
        try {
          await this.deps.sink.report(state);
          this.lastPublished = text;
          this.lastPublishedAt = now;
        } catch (err) {
          this.log.warn({ event: 'configStatusFailed', error: (err as Error).message }, 'could not record configuration status');
        }
      }
      // After the write: the Warning Event's involved object (the ConfigurationState) exists by now.
      for (const c of newlyFalse(this.published, state.conditions)) this.deps.sink?.warn?.(c.reason, c.message);
      this.published = state.conditions;
    })();
    this.publishing = run;
    await run;
  }

  /** Speakers that reported within the last 15 minutes (a stopped speaker's object stays behind). */
  private async refreshPeers(): Promise<void> {
    if (!this.deps.peers) return;
    try {
      const recent = Date.now() - 15 * 60_000;
      this.peerNodes = (await this.deps.peers()).filter((p) => !p.lastUpdate || Date.parse(p.lastUpdate) >= recent).map((p) => p.node);
    } catch (err) {
      this.log.debug({ event: 'peerListFailed', error: (err as Error).message }, 'could not list the other speakers');
    }
  }

  /** MemberlistReachable: every speaker that reports is in this speaker's memberlist (else 7946 is blocked somewhere). */
  private memberlistCondition(plugins: Record<string, PluginStatus>): StateCondition[] {
    const members = (plugins.layer2?.details as { members?: unknown } | undefined)?.members;
    if (!Array.isArray(members) || !this.peerNodes) return [];
    const missing = this.peerNodes.filter((n) => n !== this.deps.nodeName && !members.includes(n)).sort();
    return [
      missing.length === 0
        ? { type: 'MemberlistReachable', status: 'True', reason: 'AllSpeakersSeen', message: `sees ${members.length} member(s)` }
        : { type: 'MemberlistReachable', status: 'False', reason: 'SpeakersUnreachable', message: `memberlist does not see ${missing.join(', ')} (their speakers report): check TCP and UDP 7946 between the nodes` },
    ];
  }

  private snapshot(): { valid: boolean; errors: string[]; conditions: StateCondition[]; details: Record<string, unknown> } {
    const plugins = safely(() => this.deps.plugins(), {} as Record<string, PluginStatus>);
    const unhealthy = Object.entries(plugins).filter(([, s]) => !s.healthy);
    const errors = this.acceptance.errors();
    const valid = errors.length === 0;
    const conditions: StateCondition[] = [
      valid
        ? { type: 'ConfigValid', status: this.current() ? 'True' : 'Unknown', reason: this.current() ? 'Valid' : 'NoConfig', message: this.current() ? 'configuration loaded' : 'no configuration loaded yet' }
        : { type: 'ConfigValid', status: 'False', reason: 'Invalid', message: errors.join('; ') },
      unhealthy.length === 0
        ? { type: 'PluginsHealthy', status: 'True', reason: 'Healthy', message: `${Object.keys(plugins).length} plugin(s) healthy` }
        : { type: 'PluginsHealthy', status: 'False', reason: 'PluginUnhealthy', message: unhealthy.map(([p, s]) => `${p}: ${s.message ?? 'unhealthy'}`).join('; ') },
      ...this.memberlistCondition(plugins),
      ...bgpCondition(plugins),
      ...safely(() => this.deps.conditions?.() ?? [], []),
    ];
    return {
      valid,
      errors,
      conditions,
      details: {
        node: this.deps.nodeName,
        plugins: jsonSafe(plugins),
        interfaces: safely(() => (this.deps.interfaces ?? hostInterfaces)(), []),
      },
    };
  }
}

/** BGPSessionsEstablished, when the bgp plugin reports sessions. */
function bgpCondition(plugins: Record<string, PluginStatus>): StateCondition[] {
  const sessions = (plugins.bgp?.details as { sessions?: Array<{ peer: string; state: string; lastError?: string }> } | undefined)?.sessions;
  if (!Array.isArray(sessions) || sessions.length === 0) return [];
  const down = sessions.filter((s) => s.state !== 'Established');
  return [
    down.length === 0
      ? { type: 'BGPSessionsEstablished', status: 'True', reason: 'Established', message: `${sessions.length} session(s) established` }
      : { type: 'BGPSessionsEstablished', status: 'False', reason: 'SessionDown', message: down.map((s) => `${s.peer}: ${s.state}${s.lastError ? ` (${s.lastError})` : ''}`).join('; ') },
  ];
}

/** Interfaces that are never a LAN (MetalLB's layer2 exclusions): kube-proxy IPVS puts every Service IP on kube-ipvs0. */
const NOT_A_LAN = /^(lo$|kube-ipvs|dummy|docker|cbr|virbr|lxcbr|veth|cali|tunl|flannel|cni|nodelocaldns|lxc)/;

/** LAN interfaces and their addresses as CIDRs: no loopback, link-local or host routes (/32, /128 are VIPs, not subnets). */
export function hostInterfaces(): HostInterface[] {
  const out: HostInterface[] = [];
  for (const [name, addrs] of Object.entries(networkInterfaces())) {
    if (NOT_A_LAN.test(name)) continue;
    const cidrs = (addrs ?? [])
      .filter((a) => !a.internal && !(a.family === 'IPv6' && a.address.startsWith('fe80')))
      .map((a) => a.cidr)
      .filter((c): c is string => !!c && !c.endsWith('/32') && !c.endsWith('/128'));
    // The ConfigurationState schema allows 64 addresses per interface and 256 interfaces.
    if (cidrs.length > 0) out.push({ name, cidrs: cidrs.slice(0, 64) });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name)).slice(0, 256);
}

function safely<T>(fn: () => T, fallback: T): T {
  try {
    return fn();
  } catch {
    return fallback;
  }
}

/** Plugin details may hold Maps, bigints or cycles; the status object gets plain JSON only. */
function jsonSafe(v: unknown): unknown {
  try {
    return JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x instanceof Map ? Object.fromEntries(x) : x)) ?? 'null') as unknown;
  } catch {
    return {};
  }
}
