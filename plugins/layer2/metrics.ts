// MetalLB's layer-2 counters (metallb_layer2_*), registered on a caller's prom-client Registry when given.
import { Counter, type Registry } from 'prom-client';

type IpCounter = Counter<'ip'>;

function counter(name: string, help: string, registry?: Registry): IpCounter {
  const existing = registry?.getSingleMetric(name);
  if (existing) return existing as IpCounter;
  return new Counter({ name, help, labelNames: ['ip'], registers: registry ? [registry] : [] });
}

export class Layer2Metrics {
  readonly requestsReceived: IpCounter;
  readonly responsesSent: IpCounter;
  readonly gratuitousSent: IpCounter;

  constructor(registry?: Registry) {
    this.requestsReceived = counter('metallb_layer2_requests_received', 'Number of layer2 requests received for owned IPs', registry);
    this.responsesSent = counter('metallb_layer2_responses_sent', 'Number of layer2 responses sent for owned IPs', registry);
    this.gratuitousSent = counter('metallb_layer2_gratuitous_sent', 'Number of gratuitous layer2 packets sent for owned IPs', registry);
  }
}
