// Records a component's configuration state on a ConfigurationState object (metallb.io), as MetalLB does.
import type { ComponentState, ComponentStateSink, StateCondition } from '../component-state';
import { carryTransitions } from '../component-state';
import type { InvolvedObject } from './event-correlator';
import type { KubeClients } from './kube-clients';
import { apiStatusCode, MERGE_PATCH } from './kube-clients';

/** MetalLB's labels on ConfigurationState objects. */
export const COMPONENT_TYPE_LABEL = 'metallb.io/component-type';
export const NODE_NAME_LABEL = 'metallb.io/node-name';

export class KubeConfigStatusSink implements ComponentStateSink {
  private ensured = false;
  private uid?: string;
  private conditions?: StateCondition[];

  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
    private readonly name: string,
    private readonly labels: Record<string, string> = {},
    /** Where Warning Events on this object go (the component's recorder). */
    private readonly events?: { onObject(object: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): void },
  ) {}

  warn(reason: string, message: string): void {
    const ref = this.objectRef();
    if (ref) this.events?.onObject(ref, 'Warning', reason, message);
  }

  /** The ConfigurationState as an Event's involvedObject (known once written), so `kubectl describe` lists its Events. */
  objectRef(): InvolvedObject | undefined {
    return this.uid ? { kind: 'ConfigurationState', apiVersion: 'metallb.io/v1beta1', namespace: this.namespace, name: this.name, uid: this.uid } : undefined;
  }

  /** `result`/`lastError` as MetalLB; `errorSummary` (every error), conditions and details are ours. */
  async report(state: ComponentState): Promise<void> {
    const ref = { group: 'metallb.io', version: 'v1beta1', namespace: this.namespace, plural: 'configurationstates', name: this.name };
    if (!this.ensured) await this.ensure(ref);
    const now = new Date().toISOString();
    // Bounded as the CRD schema bounds them (a long list of unreachable nodes must not get the write refused).
    const conditions = state.conditions ? carryTransitions(this.conditions, state.conditions, now).map((c) => ({ ...c, message: clip(c.message, 4096) })) : undefined;
    const status = {
      ...(state.details ?? {}),
      result: state.valid ? 'Valid' : 'Invalid',
      lastError: clip(state.errors[0] ?? '', 32_768),
      errorSummary: state.errors.join('\n'),
      lastUpdate: now,
      ...(conditions ? { conditions } : {}),
    };
    try {
      await this.clients.custom.patchNamespacedCustomObjectStatus({ ...ref, body: { status } }, MERGE_PATCH);
    } catch (err) {
      // Deleted behind our back: made again on the next report.
      if (apiStatusCode(err) === 404) this.ensured = false;
      throw err;
    }
    this.conditions = conditions;
  }

  private async ensure(ref: { group: string; version: string; namespace: string; plural: string; name: string }): Promise<void> {
    try {
      const existing = (await this.clients.custom.getNamespacedCustomObject(ref)) as { metadata?: { uid?: string; labels?: Record<string, string> }; status?: { conditions?: StateCondition[] } };
      this.uid = existing.metadata?.uid;
      this.conditions ??= existing.status?.conditions;
      const labels = existing.metadata?.labels ?? {};
      if (Object.entries(this.labels).some(([k, v]) => labels[k] !== v)) {
        await this.clients.custom.patchNamespacedCustomObject({ ...ref, body: { metadata: { labels: this.labels } } }, MERGE_PATCH);
      }
    } catch (err) {
      if (apiStatusCode(err) !== 404) throw err;
      const created = (await this.clients.custom.createNamespacedCustomObject({
        ...ref,
        body: { apiVersion: 'metallb.io/v1beta1', kind: 'ConfigurationState', metadata: { name: this.name, namespace: this.namespace, labels: this.labels }, spec: {} },
      })) as { metadata?: { uid?: string } };
      this.uid = created.metadata?.uid;
    }
    this.ensured = true;
  }
}

/** Speakers' ConfigurationStates (node and last report), read by each speaker to tell which peers its memberlist should see. */
export async function listSpeakerReports(clients: KubeClients, namespace: string): Promise<Array<{ node: string; lastUpdate?: string }>> {
  const list = (await clients.custom.listNamespacedCustomObject({
    group: 'metallb.io',
    version: 'v1beta1',
    namespace,
    plural: 'configurationstates',
    labelSelector: `${COMPONENT_TYPE_LABEL}=speaker`,
  })) as { items?: Array<{ metadata?: { labels?: Record<string, string> }; status?: { lastUpdate?: string } }> };
  return (list.items ?? [])
    .map((o) => ({ node: o.metadata?.labels?.[NODE_NAME_LABEL] ?? '', lastUpdate: o.status?.lastUpdate }))
    .filter((r) => r.node);
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 3)}...`;
}
