import { Allocator } from '../../../src/core/ipam';
import { pool, svc } from './builders';

const pools = [pool('v4only', ['10.0.0.0/24']), pool('v6only', ['fd00:1::/64']), pool('dual', ['10.0.9.0/24', 'fd00:9::/64'])];

describe('Allocator: families', () => {
  it('IPv4 SingleStack takes from the first pool with IPv4', () => {
    expect(new Allocator(pools).assign(svc('a'))).toMatchObject({ ok: true, value: { ips: ['10.0.0.0'], pool: 'v4only' } });
  });

  it('IPv6 SingleStack takes from the first pool with IPv6', () => {
    expect(new Allocator(pools).assign(svc('a', { ipFamilies: ['IPv6'] }))).toMatchObject({ ok: true, value: { ips: ['fd00:1::'], pool: 'v6only' } });
  });

  it('RequireDualStack needs both families from ONE pool', () => {
    const r = new Allocator(pools).assign(svc('a', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' }));
    expect(r).toMatchObject({ ok: true, value: { ips: ['10.0.9.0', 'fd00:9::'], pool: 'dual' } });
    const r6 = new Allocator(pools).assign(svc('b', { ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'RequireDualStack' }));
    expect(r6).toMatchObject({ ok: true, value: { ips: ['fd00:9::', '10.0.9.0'] } });
  });

  it('RequireDualStack fails when no single pool has both', () => {
    const r = new Allocator(pools.slice(0, 2)).assign(svc('a', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' }));
    expect(r).toMatchObject({ ok: false, error: { reason: 'NoAvailableIPs' } });
    expect(!r.ok && r.error.message).toMatch(/RequireDualStack/);
  });

  it('PreferDualStack takes both when a pool has them, else the primary family', () => {
    const dual = new Allocator(pools).assign(svc('a', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' }));
    expect(dual).toMatchObject({ ok: true, value: { pool: 'dual', ips: ['10.0.9.0', 'fd00:9::'] } });
    const single = new Allocator(pools.slice(0, 2)).assign(svc('a', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' }));
    expect(single).toMatchObject({ ok: true, value: { pool: 'v4only', ips: ['10.0.0.0'] } });
    const secondary = new Allocator([pools[1]!]).assign(svc('a', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' }));
    expect(secondary).toMatchObject({ ok: true, value: { pool: 'v6only', ips: ['fd00:1::'] } });
  });

  it('PreferDualStack with one ipFamily (single-stack cluster) stays single', () => {
    const r = new Allocator([pools[2]!]).assign(svc('a', { ipFamilies: ['IPv4'], ipFamilyPolicy: 'PreferDualStack' }));
    expect(r).toMatchObject({ ok: true, value: { ips: ['10.0.9.0'] } });
  });

  it('PreferDualStack holding one IP gains the other family when its pool offers it', () => {
    const a = new Allocator([pool('dual', ['10.0.9.0/24'])]);
    a.assign(svc('a', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' }));
    a.setPools([pool('dual', ['10.0.9.0/24', 'fd00:9::/64'])]);
    const r = a.assign(svc('a', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'PreferDualStack' }));
    expect(r).toMatchObject({ ok: true, value: { ips: ['10.0.9.0', 'fd00:9::'], outcome: 'kept' } });
  });

  it('requested dual-stack IPs', () => {
    const a = new Allocator(pools);
    const r = a.assign(svc('a', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', annotations: { 'metallb.io/loadBalancerIPs': '10.0.9.7, fd00:9::7' } }));
    expect(r).toMatchObject({ ok: true, value: { ips: ['10.0.9.7', 'fd00:9::7'], pool: 'dual' } });
    const one = a.assign(svc('b', { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack', loadBalancerIP: '10.0.9.8' }));
    expect(one).toMatchObject({ ok: false, error: { reason: 'InvalidRequest' } });
    const same = a.assign(svc('c', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.9.1,10.0.9.2' } }));
    expect(same).toMatchObject({ ok: false, error: { reason: 'InvalidRequest' } });
  });

  it('without spec.ipFamilies the requested IP decides the family', () => {
    const r = new Allocator(pools).assign(svc('a', { ipFamilies: [], loadBalancerIP: 'fd00:1::5' }));
    expect(r).toMatchObject({ ok: true, value: { ips: ['fd00:1::5'] } });
  });
});
