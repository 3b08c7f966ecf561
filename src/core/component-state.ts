// What a component reports on its ConfigurationState: config validity, conditions and details (plugins, interfaces).
import { Gauge, type Registry } from 'prom-client';

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
  /** A condition turned False: recorded once as a Warning Event on the state object (optional). */
  warn?(reason: string, message: string): void;
}

/** Keeps each condition's lastTransitionTime unless its status changed. */
export function carryTransitions(prev: StateCondition[] | undefined, next: StateCondition[], now: string): StateCondition[] {
  return next.map((c) => {
    const old = prev?.find((p) => p.type === c.type);
    return { ...c, lastTransitionTime: old && old.status === c.status ? (old.lastTransitionTime ?? now) : now };
  });
}

/** Conditions whose status changed to False since `prev` (each is told once, as a Warning Event). */
export function newlyFalse(prev: StateCondition[] | undefined, next: StateCondition[]): StateCondition[] {
  return next.filter((c) => c.status === 'False' && prev?.find((p) => p.type === c.type)?.status !== 'False');
}

const gauges = new WeakMap<Registry, Gauge<'type'>>();

/** `metallbts_condition{type}`: 1 True, 0 False, -1 Unknown — an alert can fire on `== 0` without anyone running doctor. */
export function conditionGauge(registry: Registry): Gauge<'type'> {
  let g = gauges.get(registry);
  if (!g) {
    g = new Gauge({ name: 'metallbts_condition', help: "This component's ConfigurationState conditions: 1 True, 0 False, -1 Unknown.", labelNames: ['type'], registers: [registry] });
    gauges.set(registry, g);
  }
  return g;
}

export function setConditionGauge(g: Gauge<'type'>, conditions: StateCondition[]): void {
  for (const c of conditions) g.set({ type: c.type }, c.status === 'True' ? 1 : c.status === 'False' ? 0 : -1);
}
