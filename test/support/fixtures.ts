// Small builders for Config and ServiceView values in unit tests.
import { emptyConfig, type Config, type Pool, type IpRange } from '../../src/core/config/model';
import { parseIp } from '../../src/core/net/ip';
import type { ServiceView } from '../../src/core/service';

export function range(text: string): IpRange {
  if (text.includes('/')) {
    const [addr, len] = text.split('/');
    const ip = parseIp(addr);
    if (!ip) throw new Error(`bad ${text}`);
    const bits = ip.family === 4 ? 32 : 128;
    const size = 1n << BigInt(bits - Number(len));
    const first = (ip.value / size) * size;
    return { family: ip.family, first, last: first + size - 1n, text, prefixLength: Number(len) };
  }
  const [a, b] = text.split('-').map((s) => parseIp(s));
  if (!a || !b) throw new Error(`bad ${text}`);
  return { family: a.family, first: a.value, last: b.value, text };
}

export function pool(name: string, addresses: string[], protocols: string[] = ['layer2'], extra: Partial<Pool> = {}): Pool {
  return {
    name,
    ranges: addresses.map(range),
    autoAssign: true,
    avoidBuggyIPs: false,
    labels: {},
    protocols,
    source: { path: `pool ${name}` },
    ...extra,
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
