// MetalLB's BFD metrics (the names its FRR collector exports), registered once per Registry, label `peer`.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface BfdMetrics {
  sessionUp: Gauge<'peer'>;
  controlPacketInput: Counter<'peer'>;
  controlPacketOutput: Counter<'peer'>;
  echoPacketInput: Counter<'peer'>;
  echoPacketOutput: Counter<'peer'>;
  sessionUpEvents: Counter<'peer'>;
  sessionDownEvents: Counter<'peer'>;
}

const cache = new WeakMap<Registry, BfdMetrics>();

export function bfdMetrics(registry: Registry): BfdMetrics {
  const hit = cache.get(registry);
  if (hit) return hit;
  const gauge = (name: string, help: string): Gauge<'peer'> =>
    (registry.getSingleMetric(name) as Gauge<'peer'> | undefined) ?? new Gauge({ name, help, labelNames: ['peer'], registers: [registry] });
  const counter = (name: string, help: string): Counter<'peer'> =>
    (registry.getSingleMetric(name) as Counter<'peer'> | undefined) ?? new Counter({ name, help, labelNames: ['peer'], registers: [registry] });
  const m: BfdMetrics = {
    sessionUp: gauge('metallb_bfd_session_up', 'BFD session state (1 is up, 0 is down)'),
    controlPacketInput: counter('metallb_bfd_control_packet_input', 'Number of received BFD control packets'),
    controlPacketOutput: counter('metallb_bfd_control_packet_output', 'Number of sent BFD control packets'),
    // Echo mode is not implemented: these stay at zero, present for dashboards built on MetalLB's names.
    echoPacketInput: counter('metallb_bfd_echo_packet_input', 'Number of received BFD echo packets'),
    echoPacketOutput: counter('metallb_bfd_echo_packet_output', 'Number of sent BFD echo packets'),
    sessionUpEvents: counter('metallb_bfd_session_up_events', 'Number of BFD session up events'),
    sessionDownEvents: counter('metallb_bfd_session_down_events', 'Number of BFD session down events'),
  };
  cache.set(registry, m);
  return m;
}
