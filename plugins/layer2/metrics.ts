// MetalLB's layer-2 counters (metallb_layer2_*) and our duplicate-owner metrics (metallbts_layer2_*), registered on a caller's prom-client Registry when given.
import { Counter, Gauge, type Registry } from 'prom-client';

type IpCounter = Counter<'ip'>;

function counter(name: string, help: string, registry?: Registry): IpCounter {
  const existing = registry?.getSingleMetric(name);
  if (existing) return existing as IpCounter;
  return new Counter({ name, help, labelNames: ['ip'], registers: registry ? [registry] : [] });
}

function gauge(name: string, help: string, registry?: Registry): Gauge<'ip'> {
  const existing = registry?.getSingleMetric(name);
  if (existing) return existing as Gauge<'ip'>;
  return new Gauge({ name, help, labelNames: ['ip'], registers: registry ? [registry] : [] });
}

export class Layer2Metrics {
  readonly requestsReceived: IpCounter;
  readonly responsesSent: IpCounter;
  readonly gratuitousSent: IpCounter;
  /** ARP/NA frames from another MAC claiming an IP we announce. */
  readonly duplicateOwnerTotal: IpCounter;
  /** Distinct other MACs seen claiming an IP we announce within the last window (0 = none). */
  readonly duplicateOwners: Gauge<'ip'>;

  constructor(registry?: Registry) {
    this.requestsReceived = counter('metallb_layer2_requests_received', 'Number of layer2 requests received for owned IPs', registry);
    this.responsesSent = counter('metallb_layer2_responses_sent', 'Number of layer2 responses sent for owned IPs', registry);
    this.gratuitousSent = counter('metallb_layer2_gratuitous_sent', 'Number of gratuitous layer2 packets sent for owned IPs', registry);
    this.duplicateOwnerTotal = counter(
      'metallbts_layer2_duplicate_owner_total',
      'ARP/NDP packets seen from another MAC claiming an IP this node announces',
      registry,
    );
    this.duplicateOwners = gauge(
      'metallbts_layer2_duplicate_owner_macs',
      'Other MACs seen claiming an IP this node announces within the last minute',
      registry,
    );
  }
}
