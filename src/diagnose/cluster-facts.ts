// Facts derived from a cluster snapshot that both `status` and `doctor` reason on: nodes, speakers, config.
import type * as k8s from '@kubernetes/client-node';
import { buildConfig, type Config, type ConfigIssue, type LoadOptions } from '../core/config';
import { toEndpointViews, toNodeView } from '../core/k8s/cluster-view';
import type { ClusterSnapshot, MetallbObject } from '../core/k8s/cluster-snapshot';
import type { EndpointView, NodeView, PluginStatus } from '../core/plugin-api';

export const EXCLUDE_LB_LABEL = 'node.kubernetes.io/exclude-from-external-load-balancers';

/** What one speaker reported on its ConfigurationState `speaker-NODE`. */
export interface SpeakerReport {
  node: string;
  result?: string;
  lastError?: string;
  lastUpdate?: string;
  plugins: Record<string, PluginStatus>;
  interfaces: Array<{ name: string; cidrs: string[] }>;
  /** layer2 memberlist members this speaker sees; undefined when memberlist is off or unknown. */
  members?: string[];
  conditions: Array<{ type: string; status: string; reason?: string; message?: string }>;
}

export interface ClusterFacts {
  nodes: NodeView[];
  /** Nodes with a running speaker: its pod, or (no speaker pods at all, e.g. speakers run as processes) its ConfigurationState. */
  speakerNodes: Set<string>;
  /** How speakers were found: 'pods' or 'configurationstates'. */
  speakerSource: 'pods' | 'configurationstates';
  speakers: Map<string, SpeakerReport>;
  controllerState?: MetallbObject;
  config?: Config;
  configIssues: ConfigIssue[];
}

export function isSpeakerPod(p: k8s.V1Pod): boolean {
  const l = p.metadata?.labels ?? {};
  return l['app.kubernetes.io/component'] === 'speaker' || l.component === 'speaker';
}

function podRunning(p: k8s.V1Pod): boolean {
  return p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp;
}

export function speakerReport(o: MetallbObject): SpeakerReport | undefined {
  const labels = o.metadata?.labels ?? {};
  const name = o.metadata?.name ?? '';
  const st = (o.status ?? {}) as Record<string, unknown>;
  const node = labels['metallb.io/node-name'] ?? (typeof st.node === 'string' ? st.node : undefined) ?? (name.startsWith('speaker-') ? name.slice('speaker-'.length) : undefined);
  if (!node || (labels['metallb.io/component-type'] !== 'speaker' && !name.startsWith('speaker-'))) return undefined;
  const plugins = (st.plugins ?? {}) as Record<string, PluginStatus>;
  const rawMembers = (plugins.layer2?.details as { members?: unknown } | undefined)?.members;
  return {
    node,
    result: st.result as string | undefined,
    lastError: st.lastError as string | undefined,
    lastUpdate: st.lastUpdate as string | undefined,
    plugins,
    interfaces: Array.isArray(st.interfaces) ? (st.interfaces as SpeakerReport['interfaces']) : [],
    members: Array.isArray(rawMembers) ? (rawMembers as string[]) : undefined,
    conditions: Array.isArray(st.conditions) ? (st.conditions as SpeakerReport['conditions']) : [],
  };
}

export function clusterFacts(snap: ClusterSnapshot, loadOptions: LoadOptions): ClusterFacts {
  const states = snap.configurationStates.ok ? snap.configurationStates.value : [];
  const speakers = new Map<string, SpeakerReport>();
  for (const o of states) {
    const r = speakerReport(o);
    if (r) speakers.set(r.node, r);
  }
  // As the speakers' cluster view does: each node carries the interfaces its speaker reported.
  const nodes = (snap.nodes.ok ? snap.nodes.value.map(toNodeView) : []).map((n) => {
    const reported = speakers.get(n.name)?.interfaces;
    return reported && reported.length > 0 ? { ...n, interfaces: reported } : n;
  });
  const speakerPods = snap.pods.ok ? snap.pods.value.filter(isSpeakerPod) : [];
  const speakerSource = speakerPods.length > 0 ? 'pods' : 'configurationstates';
  const speakerNodes = new Set(
    speakerSource === 'pods' ? speakerPods.filter(podRunning).map((p) => p.spec?.nodeName ?? '').filter((n) => n) : [...speakers.keys()],
  );
  let config: Config | undefined;
  let configIssues: ConfigIssue[] = [];
  if (snap.configObjects.ok) {
    const r = buildConfig(snap.configObjects.value, loadOptions);
    config = r.config;
    configIssues = r.issues;
  }
  const controllerState = states.find((o) => o.metadata?.name === 'controller');
  return { nodes, speakerNodes, speakerSource, speakers, controllerState, config, configIssues };
}

/** Endpoints of one Service from the snapshot's EndpointSlices. */
export function endpointsOf(snap: ClusterSnapshot, key: { namespace: string; name: string }): EndpointView[] {
  if (!snap.endpointSlices.ok) return [];
  return snap.endpointSlices.value
    .filter((s) => s.metadata?.namespace === key.namespace && s.metadata?.labels?.['kubernetes.io/service-name'] === key.name)
    .flatMap(toEndpointViews);
}

/** Why a node cannot announce for `protocol` whatever the Service; undefined when it can. */
export function nodeBlocker(node: NodeView, facts: ClusterFacts, protocol = 'layer2'): string | undefined {
  if (Object.prototype.hasOwnProperty.call(node.labels, EXCLUDE_LB_LABEL)) return `excluded by label ${EXCLUDE_LB_LABEL}`;
  // Only layer 2 drops NetworkUnavailable nodes (MetalLB's layer2 speakerlist); BGP sessions decide for themselves.
  if (protocol === 'layer2' && node.networkUnavailable) return 'node condition NetworkUnavailable=True';
  if (!facts.speakerNodes.has(node.name)) return facts.speakerSource === 'pods' ? 'no running speaker pod on this node' : 'no speaker has reported from this node';
  return undefined;
}
