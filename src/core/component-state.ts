// What a component reports on its ConfigurationState: config validity, conditions and details (plugins, interfaces).

/** A Kubernetes-style condition (metav1.Condition shape). */
export interface StateCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
}

export interface ComponentState {
  valid: boolean;
  errors: string[];
  conditions?: StateCondition[];
  /** Extra status fields (e.g. `node`, `plugins`, `interfaces`), merged into `status`. */
  details?: Record<string, unknown>;
}

/** Where a component's state goes (ConfigurationState in production, a fake in unit tests). */
export interface ComponentStateSink {
  report(state: ComponentState): Promise<void>;
}

/** Keeps each condition's lastTransitionTime unless its status changed. */
export function carryTransitions(prev: StateCondition[] | undefined, next: StateCondition[], now: string): StateCondition[] {
  return next.map((c) => {
    const old = prev?.find((p) => p.type === c.type);
    return { ...c, lastTransitionTime: old && old.status === c.status ? (old.lastTransitionTime ?? now) : now };
  });
}
