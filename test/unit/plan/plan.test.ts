import { join } from 'node:path';
import { runPlan, type PlanArgs } from '../../../src/cli/commands/plan';
import { planAllocations, type PlanRow } from '../../../src/core/plan/plan';
import { readServiceManifests } from '../../../src/core/plan/service-manifests';
import { pool, svc } from '../ipam/builders';

const fx = (f: string): string => join(__dirname, '../../fixtures/plan', f);

function plan(args: Partial<PlanArgs>): { code: number; out: string; err: string[] } {
  let out = '';
  const err: string[] = [];
  const code = runPlan({ config: [], ...args }, { stdout: (t) => (out += t), stderr: (l) => err.push(l) });
  return { code, out, err };
}

describe('metallbts plan', () => {
  it.each(['tutorial-layer2.yaml', 'tutorial-cidr.yaml'])('gives the tutorial nginx 192.168.1.240 with %s', (config) => {
    const r = plan({ config: [fx(config)], services: fx('nginx.yaml') });
    expect(r.code).toBe(0);
    expect(r.out).toBe(
      'NAMESPACE   NAME    POOL          IP              RESULT\n' + 'default     nginx   my-ip-space   192.168.1.240   allocated\n',
    );
  });

  it('plans a List: pools by priority/annotation/request, skipped non-LoadBalancers, json output', () => {
    const r = plan({ config: [fx('pools.yaml')], services: fx('services.yaml'), output: 'json' });
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as PlanRow[];
    expect(rows.map((x) => [x.namespace, x.name, x.pool, x.ips.join(','), x.result])).toEqual([
      ['default', 'web', 'general', '10.0.0.1', 'allocated'],
      ['blue', 'api', 'team', '10.1.0.1', 'allocated'],
      ['default', 'shop', 'expensive', '203.0.113.10', 'allocated'],
      ['default', 'pinned', 'general', '10.0.0.2', 'requested'],
      ['default', 'late', 'general', '10.0.0.3', 'allocated'],
      ['default', 'internal', undefined, '', 'skipped'],
    ]);
  });

  it('previews a config edit against the present status: kept, changed, lost, failed', () => {
    const r = plan({ config: [fx('pools-edited.yaml')], services: fx('services.yaml'), current: fx('current.yaml'), output: 'json' });
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.out) as PlanRow[];
    const by = (name: string): PlanRow => rows.find((x) => x.name === name)!;
    expect(by('web')).toMatchObject({ result: 'changed', ips: ['10.0.0.3'], previousIPs: ['10.0.0.1'], reason: 'IP 10.0.0.1 is not in any pool' });
    expect(by('api')).toMatchObject({ result: 'kept', ips: ['10.1.0.1'] });
    expect(by('pinned')).toMatchObject({ result: 'kept', ips: ['10.0.0.2'] });
    expect(by('shop')).toMatchObject({ result: 'lost', previousIPs: ['203.0.113.10'], reason: 'unknown pool "expensive"' });
    expect(by('late')).toMatchObject({ result: 'failed', reason: 'no available IPs in pool "general"' });
  });

  it('with only --current, an unchanged config keeps every IP', () => {
    const r = plan({ config: [fx('pools.yaml')], current: fx('current.yaml'), output: 'json' });
    const rows = JSON.parse(r.out) as PlanRow[];
    expect(rows.filter((x) => x.result !== 'allocated').map((x) => x.result)).toEqual(['kept', 'kept', 'kept', 'kept']);
    expect(rows.find((x) => x.name === 'late')).toMatchObject({ result: 'allocated', ips: ['10.0.0.3'] });
  });

  it('exits 1 and prints located issues for an invalid config', () => {
    const r = plan({ config: [fx('invalid-overlap.yaml')], services: fx('nginx.yaml') });
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err.some((l) => l.includes('invalid-overlap.yaml:IPAddressPool/b.spec.addresses[0]:'))).toBe(true);
  });

  it('exits 2 on usage errors', () => {
    expect(plan({ services: fx('nginx.yaml') }).code).toBe(2);
    expect(plan({ config: [fx('pools.yaml')] }).code).toBe(2);
    expect(plan({ config: [fx('pools.yaml')], services: fx('nginx.yaml'), output: 'yaml' }).code).toBe(2);
    expect(plan({ config: [fx('pools.yaml')], services: fx('missing.yaml') }).code).toBe(2);
    expect(plan({ config: [fx('missing.yaml')], services: fx('nginx.yaml') }).code).toBe(2);
  });

  it('respects --lb-class', () => {
    const rows = planAllocations([pool('p', ['10.0.0.0/30'])], [svc('a'), svc('b', { loadBalancerClass: 'x' })], { lbClass: 'x' });
    expect(rows.map((r) => r.result)).toEqual(['skipped', 'allocated']);
  });
});

describe('readServiceManifests', () => {
  it('reads multi-document YAML, leaves ipFamilies open when unset, and keeps Namespace labels', () => {
    const m = readServiceManifests(
      [
        'apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {a: b}}',
        'apiVersion: v1\nkind: Service\nmetadata: {name: s, namespace: n}\nspec: {type: LoadBalancer, loadBalancerIP: "fd00::1"}',
        'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ignored}',
      ].join('\n---\n'),
    );
    expect(m.services.map((s) => [s.namespace, s.name, s.ipFamilies])).toEqual([['n', 's', []]]);
    expect(m.namespaceLabels.get('n')).toEqual({ a: 'b' });
    expect(planAllocations([pool('v6', ['fd00::/120'])], m.services)[0]).toMatchObject({ ips: ['fd00::1'], result: 'requested' });
  });

  it('reads a ServiceList with status', () => {
    const m = readServiceManifests(
      'apiVersion: v1\nkind: ServiceList\nitems:\n- metadata: {name: s, namespace: n}\n  spec: {type: LoadBalancer, ipFamilies: [IPv4]}\n  status: {loadBalancer: {ingress: [{ip: 10.0.0.7}]}}\n',
    );
    expect(m.services).toHaveLength(1);
    expect(m.services[0]).toMatchObject({ name: 's', ingressIPs: ['10.0.0.7'], ipFamilies: ['IPv4'] });
  });
});
