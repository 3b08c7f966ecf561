// Small builders for Config and ServiceView values in unit tests.
import { emptyConfig, type Config, type Pool, type IpRange } from '../../src/core/config/model';
import { parseAddressRange } from '../../src/core/config/address-ranges';
import type { ServiceView } from '../../src/core/service';

/** A range as the config parser reads it: `a.b.c.d-e.f.g.h`, a CIDR, or a single address. */
export function range(text: string): IpRange {
  const r = parseAddressRange(text);
  if (!r.ok) throw new Error(`bad range ${text}: ${r.message}`);
  return r.range;
}

/** A pool with MetalLB's defaults; the third argument is its protocols (default layer2) or, directly, the extra fields. */
export function pool(name: string, addresses: string[], protocolsOrExtra: string[] | Partial<Pool> = ['layer2'], extra: Partial<Pool> = {}): Pool {
  const protocols = Array.isArray(protocolsOrExtra) ? protocolsOrExtra : ['layer2'];
  const more = Array.isArray(protocolsOrExtra) ? extra : protocolsOrExtra;
  return {
    name,
    ranges: addresses.map(range),
    autoAssign: true,
    avoidBuggyIPs: false,
    labels: {},
    protocols,
    source: { path: `pool ${name}` },
    ...more,
  };
}

export function config(...pools: Pool[]): Config {
  return { ...emptyConfig(), pools };
}

export function service(name: string, extra: Partial<ServiceView> = {}): ServiceView {
  return {
    namespace: 'default',
    name,
    type: 'LoadBalancer',
    annotations: {},
    labels: {},
    ipFamilies: ['IPv4'],
    externalTrafficPolicy: 'Cluster',
    selector: { app: name },
    ports: [{ port: 80, protocol: 'TCP' }],
    ingressIPs: [],
    ...extra,
  };
}
