import { Allocator } from '../../../src/core/ipam';
import { managedBy } from '../../../src/core/ipam/service-request';
import { allocation, pool, svc } from './builders';

function ok<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw new Error(`expected success, got: ${r.error.message}`);
  return r.value;
}
function err(r: { ok: boolean; error?: { reason: string; message: string } }): { reason: string; message: string } {
  if (r.ok || !r.error) throw new Error('expected failure');
  return r.error;
}

describe('Allocator: tutorial and order', () => {
  it('gives the tutorial nginx Service 192.168.1.240 (range form)', () => {
    const a = new Allocator([pool('default', ['192.168.1.240-192.168.1.250'])]);
    expect(ok(a.assign(svc('nginx')))).toEqual({ ips: ['192.168.1.240'], pool: 'default', outcome: 'allocated' });
    expect(a.ipsOf('default/nginx')).toEqual(['192.168.1.240']);
    expect(a.poolOf({ namespace: 'default', name: 'nginx' })).toBe('default');
  });

  it('gives 192.168.1.240 with the old cidr: 192.168.1.240/28 form', () => {
    const a = new Allocator([pool('my-ip-space', ['192.168.1.240/28'])]);
    expect(ok(a.assign(svc('nginx'))).ips).toEqual(['192.168.1.240']);
  });

  it('allocates lowest free first and reuses released addresses', () => {
    const a = new Allocator([pool('p', ['10.0.0.1-10.0.0.5'])]);
    expect(ok(a.assign(svc('a'))).ips).toEqual(['10.0.0.1']);
    expect(ok(a.assign(svc('b'))).ips).toEqual(['10.0.0.2']);
    expect(ok(a.assign(svc('c'))).ips).toEqual(['10.0.0.3']);
    expect(a.release('default/b')).toBe(true);
    expect(a.release('default/b')).toBe(false);
    expect(ok(a.assign(svc('d'))).ips).toEqual(['10.0.0.2']);
  });

  it('orders addresses numerically within a pool, whatever the range order', () => {
    const a = new Allocator([pool('p', ['10.0.0.9-10.0.0.9', '10.0.0.1-10.0.0.1'])]);
    expect(ok(a.assign(svc('a'))).ips).toEqual(['10.0.0.1']);
    expect(ok(a.assign(svc('b'))).ips).toEqual(['10.0.0.9']);
  });

  it('is idempotent: assigning again keeps the IP', () => {
    const a = new Allocator([pool('p', ['10.0.0.0/30'])]);
    ok(a.assign(svc('a')));
    expect(ok(a.assign(svc('a')))).toEqual({ ips: ['10.0.0.0'], pool: 'p', outcome: 'kept' });
    expect(a.stats('p')).toMatchObject({ inUse: 1, total: 4n, available: 3n });
  });

  it('uses the first pool in config order, then the next when full', () => {
    const a = new Allocator([pool('one', ['10.0.0.1/32']), pool('two', ['10.0.1.0/31'])]);
    expect(ok(a.assign(svc('a'))).pool).toBe('one');
    expect(ok(a.assign(svc('b')))).toMatchObject({ pool: 'two', ips: ['10.0.1.0'] });
  });

  it('fails with a clear reason when everything is full', () => {
    const a = new Allocator([pool('x', ['10.0.0.1/32'])]);
    ok(a.assign(svc('a')));
    const e = err(a.assign(svc('b')));
    expect(e.reason).toBe('NoAvailableIPs');
    expect(e.message).toBe('no available IPs in pool "x"');
  });

  it('fails when there are no pools at all', () => {
    expect(err(new Allocator([]).assign(svc('a'))).message).toMatch(/no available IPs/);
  });
});

describe('Allocator: avoid-buggy-ips', () => {
  it('skips .0 and .255', () => {
    const a = new Allocator([pool('p', ['10.0.0.254-10.0.1.1'], { avoidBuggyIPs: true })]);
    expect(ok(a.assign(svc('a'))).ips).toEqual(['10.0.0.254']);
    expect(ok(a.assign(svc('b'))).ips).toEqual(['10.0.1.1']);
    expect(err(a.assign(svc('c'))).reason).toBe('NoAvailableIPs');
  });

  it('refuses a requested buggy address', () => {
    const a = new Allocator([pool('p', ['10.0.0.0/24'], { avoidBuggyIPs: true })]);
    const e = err(a.assign(svc('a', { loadBalancerIP: '10.0.0.255' })));
    expect(e.reason).toBe('NotInAnyPool');
    expect(e.message).toMatch(/avoids buggy IPs/);
  });

  it('does not affect IPv6', () => {
    const a = new Allocator([pool('p', ['fd00::/120'], { avoidBuggyIPs: true })]);
    expect(ok(a.assign(svc('a', { ipFamilies: ['IPv6'] }))).ips).toEqual(['fd00::']);
  });
});

describe('Allocator: auto-assign and address-pool annotation', () => {
  const pools = [pool('cheap', ['10.0.0.0/24']), pool('expensive', ['192.0.2.0/28'], { autoAssign: false })];

  it('never auto-assigns from an autoAssign: false pool', () => {
    const a = new Allocator([pools[1]!]);
    const e = err(a.assign(svc('a')));
    expect(e.reason).toBe('NoAvailableIPs');
    expect(e.message).toMatch(/no auto-assign pool/);
  });

  it('address-pool annotation picks the pool even when autoAssign is false', () => {
    const a = new Allocator(pools);
    expect(ok(a.assign(svc('a', { annotations: { 'metallb.io/address-pool': 'expensive' } }))).ips).toEqual(['192.0.2.0']);
  });

  it('reads the old metallb.universe.tf/address-pool key; the stable key wins', () => {
    const a = new Allocator(pools);
    expect(ok(a.assign(svc('a', { annotations: { 'metallb.universe.tf/address-pool': 'expensive' } }))).pool).toBe('expensive');
    expect(
      ok(a.assign(svc('b', { annotations: { 'metallb.universe.tf/address-pool': 'expensive', 'metallb.io/address-pool': 'cheap' } }))).pool,
    ).toBe('cheap');
  });

  it('unknown pool is an error', () => {
    const e = err(new Allocator(pools).assign(svc('a', { annotations: { 'metallb.io/address-pool': 'nope' } })));
    expect(e).toMatchObject({ reason: 'UnknownPool', message: 'unknown pool "nope"' });
  });

  it('a full requested pool does not spill into other pools', () => {
    const a = new Allocator([pool('small', ['10.1.0.1/32']), pool('big', ['10.2.0.0/16'])]);
    ok(a.assign(svc('a', { annotations: { 'metallb.io/address-pool': 'small' } })));
    expect(err(a.assign(svc('b', { annotations: { 'metallb.io/address-pool': 'small' } }))).message).toBe('no available IPs in pool "small"');
  });

  it('changing the annotation moves the Service to the new pool', () => {
    const a = new Allocator(pools);
    ok(a.assign(svc('a')));
    const r = ok(a.assign(svc('a', { annotations: { 'metallb.io/address-pool': 'expensive' } })));
    expect(r).toMatchObject({ pool: 'expensive', outcome: 'allocated', replaced: { ips: ['10.0.0.0'] } });
    expect(a.stats('cheap')!.inUse).toBe(0);
  });
});

describe('Allocator: requested IPs', () => {
  const pools = [pool('a', ['10.0.0.0/24']), pool('b', ['10.0.1.0/24', 'fd00::/64'], { autoAssign: false })];

  it('honours spec.loadBalancerIP', () => {
    expect(ok(new Allocator(pools).assign(svc('s', { loadBalancerIP: '10.0.0.77' })))).toEqual({ ips: ['10.0.0.77'], pool: 'a', outcome: 'requested' });
  });

  it('honours metallb.io/loadBalancerIPs, also from an autoAssign: false pool', () => {
    const r = ok(new Allocator(pools).assign(svc('s', { annotations: { 'metallb.io/loadBalancerIPs': '10.0.1.5' } })));
    expect(r).toMatchObject({ ips: ['10.0.1.5'], pool: 'b' });
  });

  it('honours the old metallb.universe.tf/loadBalancerIPs key', () => {
    const r = ok(new Allocator(pools).assign(svc('s', { annotations: { 'metallb.universe.tf/loadBalancerIPs': '10.0.0.9' } })));
    expect(r.ips).toEqual(['10.0.0.9']);
  });

  it('both spec and annotation set is an error', () => {
    const e = err(new Allocator(pools).assign(svc('s', { loadBalancerIP: '10.0.0.1', annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.2' } })));
    expect(e.reason).toBe('InvalidRequest');
    expect(e.message).toMatch(/can not have both/);
  });

  it('rejects garbage, an IP outside every pool, and IPs in different pools', () => {
    const a = new Allocator(pools);
    expect(err(a.assign(svc('s', { loadBalancerIP: 'not-an-ip' }))).reason).toBe('InvalidRequest');
    expect(err(a.assign(svc('s', { loadBalancerIP: '1.2.3.4' })))).toMatchObject({ reason: 'NotInAnyPool', message: 'requested IP 1.2.3.4 is not in any pool' });
    const e = err(a.assign(svc('s', { ipFamilyPolicy: 'RequireDualStack', ipFamilies: ['IPv4', 'IPv6'], annotations: { 'metallb.io/loadBalancerIPs': '10.0.0.1,fd00::1' } })));
    expect(e.reason).toBe('PoolMismatch');
  });

  it('an IP in use by another Service is an error naming it', () => {
    const a = new Allocator(pools);
    ok(a.assign(svc('first', { namespace: 'ns', loadBalancerIP: '10.0.0.4' })));
    const e = err(a.assign(svc('second', { loadBalancerIP: '10.0.0.4' })));
    expect(e.reason).toBe('IPInUse');
    expect(e.message).toMatch(/^requested IP 10\.0\.0\.4 is already in use by ns\/first/);
  });

  it('requested IP must be in the address-pool pool when both are given', () => {
    const e = err(new Allocator(pools).assign(svc('s', { loadBalancerIP: '10.0.0.4', annotations: { 'metallb.io/address-pool': 'b' } })));
    expect(e.reason).toBe('PoolMismatch');
  });

  it('requested IP must match the Service family', () => {
    const e = err(new Allocator(pools).assign(svc('s', { ipFamilies: ['IPv4'], annotations: { 'metallb.io/loadBalancerIPs': 'fd00::5' } })));
    expect(e.reason).toBe('InvalidRequest');
  });

  it('changing the requested IP moves the Service', () => {
    const a = new Allocator(pools);
    ok(a.assign(svc('s', { loadBalancerIP: '10.0.0.4' })));
    expect(ok(a.assign(svc('s', { loadBalancerIP: '10.0.0.5' }))).ips).toEqual(['10.0.0.5']);
    expect(a.holdersOf('10.0.0.4')).toEqual([]);
  });

  it('a later invalid request clears the held IP', () => {
    const a = new Allocator(pools);
    ok(a.assign(svc('s')));
    err(a.assign(svc('s', { loadBalancerIP: 'x' })));
    expect(a.ipsOf('default/s')).toBeUndefined();
  });
});

describe('Allocator: serviceAllocation', () => {
  it('prefers matching pools by priority (lower first, 0 last), then plain pools', () => {
    const pools = [
      pool('plain', ['10.0.0.0/24']),
      pool('p0', ['10.0.1.0/24'], { serviceAllocation: allocation({ namespaces: ['team'] }) }),
      pool('p20', ['10.0.2.0/24'], { serviceAllocation: allocation({ priority: 20, namespaces: ['team'] }) }),
      pool('p10', ['10.0.3.0/24'], { serviceAllocation: allocation({ priority: 10, namespaces: ['team'] }) }),
    ];
    const a = new Allocator(pools);
    expect(ok(a.assign(svc('s', { namespace: 'team' }))).pool).toBe('p10');
    expect(ok(a.assign(svc('o', { namespace: 'other' }))).pool).toBe('plain');
  });

  it('falls back through the priority list and to plain pools when full', () => {
    const pools = [
      pool('plain', ['10.0.0.0/24']),
      pool('p0', ['10.0.1.0/32'], { serviceAllocation: allocation({ namespaces: ['team'] }) }),
      pool('p10', ['10.0.3.0/32'], { serviceAllocation: allocation({ priority: 10, namespaces: ['team'] }) }),
    ];
    const a = new Allocator(pools);
    expect(['p10', 'p0', 'plain'].map((_, i) => ok(a.assign(svc(`s${i}`, { namespace: 'team' }))).pool)).toEqual(['p10', 'p0', 'plain']);
  });

  it('never uses a pool whose serviceAllocation excludes the Service', () => {
    const a = new Allocator([pool('team-only', ['10.0.1.0/24'], { serviceAllocation: allocation({ namespaces: ['team'] }) })]);
    expect(err(a.assign(svc('s', { namespace: 'other' }))).reason).toBe('NoAvailableIPs');
    const e = err(a.assign(svc('s', { namespace: 'other', annotations: { 'metallb.io/address-pool': 'team-only' } })));
    expect(e).toMatchObject({ reason: 'PoolNotAllowed', message: 'pool "team-only" does not serve namespace "other"' });
    expect(err(a.assign(svc('s', { namespace: 'other', loadBalancerIP: '10.0.1.3' }))).reason).toBe('PoolNotAllowed');
  });

  it('matches namespaceSelectors through the namespace-labels lookup (and the metadata.name label)', () => {
    const sel = { matchLabels: { tier: 'gold' }, matchExpressions: [] };
    const gold = pool('gold', ['10.0.9.0/24'], { serviceAllocation: allocation({ namespaceSelectors: [sel] }) });
    const labels: Record<string, Record<string, string>> = { rich: { tier: 'gold' }, poor: { tier: 'tin' } };
    const a = new Allocator([pool('plain', ['10.0.0.0/24']), gold], { namespaceLabels: (ns) => labels[ns] });
    expect(ok(a.assign(svc('s', { namespace: 'rich' }))).pool).toBe('gold');
    expect(ok(a.assign(svc('s', { namespace: 'poor' }))).pool).toBe('plain');
    const byName = pool('n', ['10.0.8.0/24'], {
      serviceAllocation: allocation({ namespaceSelectors: [{ matchLabels: { 'kubernetes.io/metadata.name': 'poor' }, matchExpressions: [] }] }),
    });
    expect(ok(new Allocator([byName]).assign(svc('s', { namespace: 'poor' }))).pool).toBe('n');
  });

  it('matches serviceSelectors on Service labels', () => {
    const sel = { matchLabels: {}, matchExpressions: [{ key: 'exposure', operator: 'In' as const, values: ['public'] }] };
    const pub = pool('public', ['203.0.113.0/28'], { serviceAllocation: allocation({ serviceSelectors: [sel] }) });
    const a = new Allocator([pool('plain', ['10.0.0.0/24']), pub]);
    expect(ok(a.assign(svc('w', { labels: { exposure: 'public' } }))).pool).toBe('public');
    expect(ok(a.assign(svc('x', { labels: { exposure: 'internal' } }))).pool).toBe('plain');
  });
});

describe('managedBy (loadBalancerClass and type)', () => {
  it('without --lb-class manages only Services without a class', () => {
    expect(managedBy(svc('a')).managed).toBe(true);
    expect(managedBy(svc('a', { loadBalancerClass: 'other' })).managed).toBe(false);
  });
  it('with --lb-class manages exactly that class', () => {
    expect(managedBy(svc('a', { loadBalancerClass: 'metallb' }), 'metallb').managed).toBe(true);
    expect(managedBy(svc('a', { loadBalancerClass: 'other' }), 'metallb').managed).toBe(false);
    expect(managedBy(svc('a'), 'metallb').managed).toBe(false);
  });
  it('skips non-LoadBalancer Services', () => {
    const r = managedBy(svc('a', { type: 'ClusterIP' }));
    expect(r).toEqual({ managed: false, reason: 'type ClusterIP, not LoadBalancer' });
  });
});
