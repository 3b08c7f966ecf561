import { Allocator } from '../../../src/core/ipam';
import { allocation, pool, svc } from './builders';

describe('Allocator: config changes', () => {
  it('re-attributes allocations to the pool that now contains them', () => {
    const a = new Allocator([pool('old', ['10.0.0.0/24'])]);
    a.assign(svc('s'));
    const change = a.setPools([pool('new', ['10.0.0.0/16'])]);
    expect(change).toEqual({ reassigned: [{ key: 'default/s', from: 'old', to: 'new' }], unassigned: [] });
    expect(a.poolOf('default/s')).toBe('new');
    expect(a.stats('new')!.inUse).toBe(1);
    expect(a.assign(svc('t'))).toMatchObject({ ok: true, value: { ips: ['10.0.0.1'] } });
    expect(a.assign(svc('s'))).toMatchObject({ ok: true, value: { ips: ['10.0.0.0'], outcome: 'kept' } });
  });

  it('unassigns Services whose IP left every pool; assign() then reallocates them', () => {
    const a = new Allocator([pool('p', ['10.0.0.0/24'])]);
    a.assign(svc('s'));
    const change = a.setPools([pool('p', ['10.0.1.0/24'])]);
    expect(change.unassigned).toEqual([{ key: 'default/s', ips: ['10.0.0.0'], pool: 'p', reason: 'IP 10.0.0.0 is not in any pool' }]);
    expect(a.ipsOf('default/s')).toBeUndefined();
    const r = a.assign(svc('s', { ingressIPs: ['10.0.0.0'] }));
    expect(r).toMatchObject({ ok: true, value: { ips: ['10.0.1.0'], outcome: 'allocated', replaced: { ips: ['10.0.0.0'] } } });
  });

  it('unassigns when avoid-buggy-ips is switched on under a .0 address', () => {
    const a = new Allocator([pool('p', ['10.0.0.0/24'])]);
    a.assign(svc('s'));
    a.assign(svc('t'));
    const change = a.setPools([pool('p', ['10.0.0.0/24'], { avoidBuggyIPs: true })]);
    expect(change.unassigned.map((u) => u.key)).toEqual(['default/s']);
    expect(a.assign(svc('s'))).toMatchObject({ ok: true, value: { ips: ['10.0.0.2'] } });
  });

  it('unassigns when the pool stops admitting the Service, or no longer matches its address-pool annotation', () => {
    const a = new Allocator([pool('p', ['10.0.0.0/24']), pool('q', ['10.0.1.0/24'])]);
    a.assign(svc('s', { namespace: 'x' }));
    a.assign(svc('t', { annotations: { 'metallb.io/address-pool': 'q' } }));
    const change = a.setPools([
      pool('p', ['10.0.0.0/24'], { serviceAllocation: allocation({ namespaces: ['y'] }) }),
      pool('renamed', ['10.0.1.0/24']),
    ]);
    expect(change.unassigned.map((u) => u.key).sort()).toEqual(['default/t', 'x/s']);
  });

  it('does not move an IP when a higher-priority pool appears', () => {
    const a = new Allocator([pool('p', ['10.0.0.0/24'])]);
    a.assign(svc('s'));
    a.setPools([pool('vip', ['10.9.0.0/24'], { serviceAllocation: allocation({ priority: 1, namespaces: ['default'] }) }), pool('p', ['10.0.0.0/24'])]);
    expect(a.assign(svc('s'))).toMatchObject({ ok: true, value: { ips: ['10.0.0.0'], outcome: 'kept' } });
    expect(a.assign(svc('new'))).toMatchObject({ ok: true, value: { pool: 'vip' } });
  });

  it('keeps autoAssign: false pools holding their existing allocations', () => {
    const a = new Allocator([pool('p', ['10.0.0.0/24'])]);
    a.assign(svc('s'));
    expect(a.setPools([pool('p', ['10.0.0.0/24'], { autoAssign: false })]).unassigned).toEqual([]);
    expect(a.assign(svc('s'))).toMatchObject({ ok: true, value: { outcome: 'kept' } });
  });

  it('reports stats per family, and undefined for unknown pools', () => {
    const a = new Allocator([pool('d', ['10.0.0.0/30', 'fd00::/126'])]);
    a.assign(svc('s', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' }));
    expect(a.stats('d')).toEqual({ inUse: 2, total: 8n, available: 6n, assignedIPv4: 1, assignedIPv6: 1, availableIPv4: 3n, availableIPv6: 3n });
    expect(a.stats('nope')).toBeUndefined();
    expect([...a.allocations()]).toEqual([{ key: 'default/s', ips: ['10.0.0.0', 'fd00::'], pool: 'd' }]);
  });
});

describe('Allocator: restore from status', () => {
  it('keeps existing ingress IPs first, so a restart never moves an IP', () => {
    const pools = [pool('p', ['10.0.0.0/29'])];
    const services = [svc('new'), svc('old1', { ingressIPs: ['10.0.0.0'] }), svc('old2', { ingressIPs: ['10.0.0.3'] })];
    const a = new Allocator(pools);
    const results = a.restore(services);
    expect(results.get('default/old1')).toMatchObject({ ok: true, value: { ips: ['10.0.0.0'], outcome: 'restored' } });
    expect(results.get('default/old2')).toMatchObject({ ok: true, value: { ips: ['10.0.0.3'], outcome: 'restored' } });
    expect(results.get('default/new')).toMatchObject({ ok: true, value: { ips: ['10.0.0.1'], outcome: 'allocated' } });
  });

  it('keeps a status IP on a single assign() too', () => {
    const a = new Allocator([pool('p', ['10.0.0.0/29'])]);
    expect(a.assign(svc('s', { ingressIPs: ['10.0.0.5'] }))).toMatchObject({ ok: true, value: { ips: ['10.0.0.5'], outcome: 'restored' } });
  });

  it('replaces status IPs that are no longer valid (conflict, outside pools, wrong request)', () => {
    const a = new Allocator([pool('p', ['10.0.0.0/29'])]);
    const r = a.restore([
      svc('a', { ingressIPs: ['10.0.0.2'] }),
      svc('b', { ingressIPs: ['10.0.0.2'] }),
      svc('c', { ingressIPs: ['192.168.0.1'] }),
      svc('d', { ingressIPs: ['10.0.0.4'], loadBalancerIP: '10.0.0.6' }),
    ]);
    expect(r.get('default/a')).toMatchObject({ ok: true, value: { ips: ['10.0.0.2'] } });
    expect(r.get('default/b')).toMatchObject({ ok: true, value: { ips: ['10.0.0.0'], replaced: { ips: ['10.0.0.2'] } } });
    expect(r.get('default/c')).toMatchObject({ ok: true, value: { ips: ['10.0.0.1'], replaced: { reason: 'IP 192.168.0.1 is not in any pool' } } });
    expect(r.get('default/d')).toMatchObject({ ok: true, value: { ips: ['10.0.0.6'], outcome: 'requested' } });
  });

  it('restores shared IPs for every compatible holder', () => {
    const a = new Allocator([pool('p', ['10.0.0.0/29'])]);
    const ann = { 'metallb.io/allow-shared-ip': 'k' };
    const r = a.restore([
      svc('a', { annotations: ann, ingressIPs: ['10.0.0.4'] }),
      svc('b', { annotations: ann, ports: [{ port: 81, protocol: 'TCP' }], ingressIPs: ['10.0.0.4'] }),
    ]);
    expect([...r.values()].map((x) => x.ok && x.value.ips[0])).toEqual(['10.0.0.4', '10.0.0.4']);
  });
});
