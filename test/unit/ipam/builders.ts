// Small builders for pools and Services so each IPAM test states only what it is about.
import type { ServiceAllocation } from '../../../src/core/config/model';
import type { ServiceView } from '../../../src/core/service';
import { service } from '../../support/fixtures';

export { pool, range } from '../../support/fixtures';

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
