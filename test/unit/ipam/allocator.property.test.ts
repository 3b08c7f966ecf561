// Random create/update/delete/config-edit sequences against the allocator, checking its invariants after every step.
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { Pool } from '../../../src/core/config/model';
import { Allocator } from '../../../src/core/ipam';
import { isBuggyIPv4 } from '../../../src/core/ipam/pool-space';
import { requestFor } from '../../../src/core/ipam/service-request';
import { formatIp, parseIp, type Ip } from '../../../src/core/net/ip';
import type { ServiceView } from '../../../src/core/service';
import { allocation, pool, svc } from './builders';

const RUNS = Number(process.env.IPAM_PROPERTY_RUNS ?? 10_000);

// Disjoint address slots, small so that pools fill up and addresses collide; two straddle .255/.0.
const SLOTS = ['10.0.0.252-10.0.1.2', '10.0.2.0-10.0.2.3', '10.0.3.254-10.0.3.255', 'fd00::-fd00::3', 'fd00::10-fd00::12'];
const UNIVERSE = ['10.0.0.252', '10.0.0.255', '10.0.1.0', '10.0.1.2', '10.0.2.1', '10.0.3.254', '10.9.9.9', 'fd00::', 'fd00::2', 'fd00::11'];
const KEYS = ['ns1/a', 'ns1/b', 'ns1/c', 'ns2/d', 'ns2/e', 'ns2/f'];
const POOL_NAMES = ['p0', 'p1', 'p2'];

const poolsArb: fc.Arbitrary<Pool[]> = fc
  .record({
    owner: fc.array(fc.integer({ min: -1, max: 2 }), { minLength: SLOTS.length, maxLength: SLOTS.length }),
    auto: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    buggy: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
    sa: fc.array(fc.option(fc.record({ priority: fc.integer({ min: 0, max: 2 }), ns: fc.subarray(['ns1', 'ns2']) }), { freq: 2 }), { minLength: 3, maxLength: 3 }),
  })
  .map(({ owner, auto, buggy, sa }) =>
    POOL_NAMES.map((name, i) =>
      pool(
        name,
        SLOTS.filter((_, s) => owner[s] === i),
        {
          autoAssign: auto[i] || i === 0,
          avoidBuggyIPs: buggy[i],
          serviceAllocation: sa[i] ? allocation({ priority: sa[i]!.priority, namespaces: sa[i]!.ns }) : undefined,
        },
      ),
    ).filter((p) => p.ranges.length > 0),
  );

const familyArb = fc.constantFrom(
  { ipFamilies: ['IPv4'], ipFamilyPolicy: 'SingleStack' },
  { ipFamilies: ['IPv6'], ipFamilyPolicy: 'SingleStack' },
  { ipFamilies: ['IPv4', 'IPv6'], ipFamilyPolicy: 'RequireDualStack' },
  { ipFamilies: ['IPv6', 'IPv4'], ipFamilyPolicy: 'PreferDualStack' },
) as fc.Arbitrary<Pick<ServiceView, 'ipFamilies' | 'ipFamilyPolicy'>>;

const serviceArb: fc.Arbitrary<ServiceView> = fc
  .record({
    key: fc.constantFrom(...KEYS),
    family: familyArb,
    sharing: fc.constantFrom('', '', 'k1', 'k2'),
    ports: fc.subarray(['TCP/80', 'TCP/53', 'UDP/53'], { minLength: 1 }),
    local: fc.boolean(),
    app: fc.constantFrom('x', 'y'),
    request: fc.oneof(
      { weight: 4, arbitrary: fc.constant<undefined>(undefined) },
      { weight: 1, arbitrary: fc.record({ ip: fc.constantFrom(...UNIVERSE) }) },
      { weight: 1, arbitrary: fc.record({ pool: fc.constantFrom(...POOL_NAMES, 'ghost') }) },
    ),
  })
  .map(({ key, family, sharing, ports, local, app, request }) => {
    const [namespace, name] = key.split('/');
    const annotations: Record<string, string> = {};
    if (sharing) annotations['metallb.io/allow-shared-ip'] = sharing;
    if (request && 'pool' in request) annotations['metallb.io/address-pool'] = request.pool;
    return svc(name!, {
      namespace,
      ...family,
      annotations,
      loadBalancerIP: request && 'ip' in request ? request.ip : undefined,
      externalTrafficPolicy: local ? 'Local' : 'Cluster',
      selector: { app },
      ports: ports.map((p) => ({ protocol: p.split('/')[0] as 'TCP' | 'UDP', port: Number(p.split('/')[1]) })),
    });
  });

type Op = { kind: 'upsert'; svc: ServiceView } | { kind: 'delete'; key: string } | { kind: 'pools'; pools: Pool[] };
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: serviceArb.map((s) => ({ kind: 'upsert' as const, svc: s })) },
  { weight: 2, arbitrary: fc.constantFrom(...KEYS).map((key) => ({ kind: 'delete' as const, key })) },
  { weight: 1, arbitrary: poolsArb.map((pools) => ({ kind: 'pools' as const, pools })) },
);

function allocatable(p: Pool, family: 4 | 6): bigint[] {
  const out: bigint[] = [];
  for (const r of p.ranges) {
    if (r.family !== family) continue;
    for (let v = r.first; v <= r.last; v++) if (!(p.avoidBuggyIPs && isBuggyIPv4(family, v))) out.push(v);
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function heldBy(a: Allocator, except?: string): Set<string> {
  const held = new Set<string>();
  for (const al of a.allocations()) if (al.key !== except) al.ips.forEach((ip) => held.add(ip));
  return held;
}

function checkInvariants(a: Allocator, pools: Pool[], services: Map<string, ServiceView>): void {
  const byIp = new Map<string, string[]>();
  for (const al of a.allocations()) {
    const s = services.get(al.key);
    assert.ok(s, `allocation for unknown service ${al.key}`);
    const req = requestFor(s!);
    if (!req.ok) throw new Error(`${al.key} holds IPs despite an invalid request`);
    const p = pools.find((x) => x.name === al.pool);
    assert.ok(p, `unknown pool ${al.pool}`);
    for (const text of al.ips) {
      const ip = parseIp(text) as Ip;
      assert.ok(allocatable(p, ip.family).includes(ip.value), `${text} not allocatable in ${p.name}`); // never a skipped buggy address
      byIp.set(text, [...(byIp.get(text) ?? []), al.key]);
    }
    if (req.value.requestedPool) assert.equal(al.pool, req.value.requestedPool);
    const sa = p.serviceAllocation;
    if (sa && sa.namespaces.length > 0) assert.ok(sa.namespaces.includes(s!.namespace), 'pool does not admit the namespace');
  }
  // No IP is held by two incompatible Services.
  for (const [, keys] of byIp) {
    if (keys.length < 2) continue;
    const reqs = keys.map((k) => requestFor(services.get(k)!)).map((r) => (r.ok ? r.value : undefined)!);
    const ports = new Set<string>();
    for (const r of reqs) {
      assert.notEqual(r.sharingKey, '', `${keys} share without a key`);
      assert.equal(r.sharingKey, reqs[0]!.sharingKey);
      assert.equal(r.backendKey, reqs[0]!.backendKey);
      for (const p of r.ports) {
        assert.ok(!ports.has(p), `port ${p} overlaps on a shared IP`);
        ports.add(p);
      }
    }
  }
  // Stats agree with the allocations.
  for (const p of pools) {
    const distinct = new Set<string>();
    for (const al of a.allocations()) if (al.pool === p.name) al.ips.forEach((ip) => distinct.add(ip));
    assert.equal(a.stats(p.name)!.inUse, distinct.size);
  }
}

function run(ops: Op[], initial: Pool[]): void {
  let pools = initial;
  const a = new Allocator(pools);
  const services = new Map<string, ServiceView>();
  for (const op of ops) {
    if (op.kind === 'delete') {
      services.delete(op.key);
      a.release(op.key);
    } else if (op.kind === 'pools') {
      pools = op.pools;
      const change = a.setPools(pools);
      for (const u of change.unassigned) a.assign(services.get(u.key)!);
    } else {
      const s = op.svc;
      const key = `${s.namespace}/${s.name}`;
      services.set(key, s);
      const othersHeld = heldBy(a, key);
      const r = a.assign(s);
      if (r.ok && r.value.outcome === 'allocated') {
        // Lowest free first: nothing lower in the chosen pool (same family) was free.
        const p = pools.find((x) => x.name === r.value.pool)!;
        for (const text of r.value.ips) {
          const ip = parseIp(text) as Ip;
          const lowestFree = allocatable(p, ip.family).find((v) => !othersHeld.has(formatIp({ family: ip.family, value: v })));
          if ((s.annotations['metallb.io/allow-shared-ip'] ?? '') === '') assert.equal(ip.value, lowestFree, `${text} is not the lowest free`);
          else if (lowestFree !== undefined) assert.ok(ip.value <= lowestFree, `${text} above the lowest free`); // a lower compatible shared IP may win
        }
      }
    }
    checkInvariants(a, pools, services);
  }
  // Restore-from-status: a fresh allocator fed the Services with their ingress IPs reproduces the assignment.
  const withStatus = [...services.values()].map((s) => ({ ...s, ingressIPs: a.ipsOf(`${s.namespace}/${s.name}`) ?? [] }));
  const b = new Allocator(pools);
  b.restore([...withStatus].reverse());
  for (const s of withStatus) {
    const key = `${s.namespace}/${s.name}`;
    if (s.ingressIPs.length === 0) continue;
    assert.deepEqual(b.ipsOf(key), a.ipsOf(key), `restore changed ${key}`);
    assert.equal(b.poolOf(key), a.poolOf(key));
  }
}

describe('Allocator properties', () => {
  it(`holds its invariants over ${RUNS} random operation sequences`, () => {
    fc.assert(
      fc.property(poolsArb, fc.array(opArb, { minLength: 1, maxLength: 8 }), (pools, ops) => run(ops, pools)),
      { numRuns: RUNS },
    );
  });
});
