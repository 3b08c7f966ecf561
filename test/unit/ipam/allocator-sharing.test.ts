import { Allocator } from '../../../src/core/ipam';
import { pool, shared, svc } from './builders';

type R = { ok: true; value: { ips: string[]; pool: string } } | { ok: false; error: { reason: string; message: string } };
const ips = (r: R): string[] => {
  if (!r.ok) throw new Error(r.error.message);
  return r.value.ips;
};
const failure = (r: R): { reason: string; message: string } => {
  if (r.ok) throw new Error(`expected failure, got ${r.value.ips}`);
  return r.error;
};

describe('Allocator: IP sharing', () => {
  const pools = [pool('p', ['10.0.0.0/29'])];

  it('co-locates Services with the same key and disjoint ports on one IP (auto allocation)', () => {
    const a = new Allocator(pools);
    expect(ips(a.assign(shared('dns-tcp', 'k', 53)))).toEqual(['10.0.0.0']);
    expect(ips(a.assign(shared('web', 'k', 80)))).toEqual(['10.0.0.0']);
    expect(a.holdersOf('10.0.0.0')).toEqual(['default/dns-tcp', 'default/web']);
    expect(a.stats('p')!.inUse).toBe(1);
  });

  it('lets TCP/53 and UDP/53 share one IP', () => {
    const a = new Allocator(pools);
    ips(a.assign(shared('tcp', 'dns', 53, { ports: [{ port: 53, protocol: 'TCP' }] })));
    expect(ips(a.assign(shared('udp', 'dns', 53, { ports: [{ port: 53, protocol: 'UDP' }], loadBalancerIP: '10.0.0.0' })))).toEqual(['10.0.0.0']);
  });

  it('refuses a (protocol, port) overlap and auto-allocates another IP instead', () => {
    const a = new Allocator(pools);
    ips(a.assign(shared('one', 'k', 80)));
    expect(ips(a.assign(shared('two', 'k', 80)))).toEqual(['10.0.0.1']);
    const e = failure(a.assign(shared('three', 'k', 80, { loadBalancerIP: '10.0.0.0' })));
    expect(e.reason).toBe('IPInUse');
    expect(e.message).toBe('requested IP 10.0.0.0 is already in use by default/one (port TCP/80 is already used by default/one)');
  });

  it('requires equal non-empty sharing keys', () => {
    const a = new Allocator(pools);
    ips(a.assign(shared('one', 'k1', 80)));
    expect(failure(a.assign(shared('two', 'k2', 81, { loadBalancerIP: '10.0.0.0' }))).message).toMatch(/sharing key "k2" does not match "k1"/);
    expect(failure(a.assign(svc('three', { ports: [{ port: 82, protocol: 'TCP' }], loadBalancerIP: '10.0.0.0' }))).message).toMatch(/this service does not allow sharing/);
    const b = new Allocator(pools);
    ips(b.assign(svc('plain')));
    expect(failure(b.assign(shared('four', 'k', 81, { loadBalancerIP: '10.0.0.0' }))).message).toMatch(/it does not allow sharing/);
    expect(ips(b.assign(shared('five', '', 81)))).toEqual(['10.0.0.1']);
  });

  it('reads the old metallb.universe.tf/allow-shared-ip key', () => {
    const a = new Allocator(pools);
    ips(a.assign(svc('one', { annotations: { 'metallb.universe.tf/allow-shared-ip': 'k' } })));
    expect(ips(a.assign(svc('two', { annotations: { 'metallb.universe.tf/allow-shared-ip': 'k' }, ports: [{ port: 443, protocol: 'TCP' }] })))).toEqual(['10.0.0.0']);
  });

  it('ETP Local needs equal selectors; ETP Cluster ignores selectors', () => {
    const a = new Allocator(pools);
    ips(a.assign(shared('l1', 'k', 80, { externalTrafficPolicy: 'Local', selector: { app: 'x' } })));
    expect(ips(a.assign(shared('l2', 'k', 81, { externalTrafficPolicy: 'Local', selector: { app: 'x' } })))).toEqual(['10.0.0.0']);
    expect(ips(a.assign(shared('l3', 'k', 82, { externalTrafficPolicy: 'Local', selector: { app: 'y' } })))).toEqual(['10.0.0.1']);
    expect(ips(a.assign(shared('c1', 'k', 83, { selector: { app: 'z' } })))).toEqual(['10.0.0.2']);
    expect(ips(a.assign(shared('c2', 'k', 84, { selector: { app: 'w' } })))).toEqual(['10.0.0.2']);
  });

  it('keeps the IP busy until the last holder leaves (refcount)', () => {
    const a = new Allocator(pools);
    ips(a.assign(shared('one', 'k', 80)));
    ips(a.assign(shared('two', 'k', 81)));
    a.release('default/one');
    expect(ips(a.assign(svc('solo')))).toEqual(['10.0.0.1']);
    a.release('default/two');
    expect(ips(a.assign(svc('solo2')))).toEqual(['10.0.0.0']);
  });

  it('drops a held shared IP when the Service changes ports into a conflict', () => {
    const a = new Allocator(pools);
    ips(a.assign(shared('one', 'k', 80)));
    ips(a.assign(shared('two', 'k', 81)));
    const r = a.assign(shared('two', 'k', 80));
    expect(ips(r)).toEqual(['10.0.0.1']);
  });

  it('a sole holder may change its sharing key in place', () => {
    const a = new Allocator(pools);
    ips(a.assign(shared('one', 'k', 80)));
    expect(a.assign(shared('one', 'other', 80))).toMatchObject({ ok: true, value: { ips: ['10.0.0.0'], outcome: 'kept' } });
  });
});
