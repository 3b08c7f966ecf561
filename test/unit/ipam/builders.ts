// Small builders for pools and Services so each IPAM test states only what it is about.
import type { IpRange, Pool, ServiceAllocation } from '../../../src/core/config/model';
import { parseIp } from '../../../src/core/net/ip';
import type { ServiceView } from '../../../src/core/service';
import { service } from '../../support/fixtures';

/** `a.b.c.d-e.f.g.h`, a CIDR, or a single address. */
export function range(text: string): IpRange {
  const dash = text.indexOf('-');
  const slash = text.indexOf('/');
  if (dash > 0) {
    const a = parseIp(text.slice(0, dash));
    const b = parseIp(text.slice(dash + 1));
    if (!a || !b) throw new Error(`bad range ${text}`);
    return { family: a.family, first: a.value, last: b.value, text };
  }
  const ip = parseIp(slash > 0 ? text.slice(0, slash) : text);
  if (!ip) throw new Error(`bad range ${text}`);
  const bits = ip.family === 4 ? 32 : 128;
  const prefix = slash > 0 ? Number(text.slice(slash + 1)) : bits;
  const host = (1n << BigInt(bits - prefix)) - 1n;
  const first = ip.value & ~host;
  const last = first | host;
  return { family: ip.family, first, last, text, prefixLength: prefix };
}

export function pool(name: string, addresses: string[], extra: Partial<Pool> = {}): Pool {
  return {
    name,
    ranges: addresses.map(range),
    autoAssign: true,
    avoidBuggyIPs: false,
    labels: {},
    protocols: ['layer2'],
    source: { path: `pools/${name}` },
    ...extra,
  };
}

export function allocation(sa: Partial<ServiceAllocation>): ServiceAllocation {
  return { priority: 0, namespaces: [], namespaceSelectors: [], serviceSelectors: [], ...sa };
}

/** fixtures' `service`, single-stack as the allocator sees most Services. */
export function svc(name: string, extra: Partial<ServiceView> = {}): ServiceView {
  return service(name, { ipFamilyPolicy: 'SingleStack', ...extra });
}

export function shared(name: string, key: string, port: number, extra: Partial<ServiceView> = {}): ServiceView {
  return svc(name, { annotations: { 'metallb.io/allow-shared-ip': key }, ports: [{ port, protocol: 'TCP' }], ...extra });
}
