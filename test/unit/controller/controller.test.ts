import { Registry } from 'prom-client';
import { Controller } from '../../../src/core/controller/controller';
import { Allocator } from '../../../src/core/ipam/allocator';
import { silentLogger } from '../../../src/core/log';
import type { ServiceView } from '../../../src/core/service';
import type { PoolCounters } from '../../../src/core/ports';
import { config, pool, service } from '../../support/fixtures';
import { recordedEvents } from '../../support/recorded-events';

function setup(lbClass?: string) {
  const poolCounters = new Map<string, PoolCounters>();
  const writes: Array<{ service: string; ips: string[]; pool?: string }> = [];
  const { events, recorder } = recordedEvents();
  const reports: Array<{ valid: boolean; errors: string[] }> = [];
  const metrics = new Registry();
  const controller = new Controller({
    allocator: new Allocator(),
    status: {
      writeStatus: async (svc, ips, p) => {
        writes.push({ service: `${svc.namespace}/${svc.name}`, ips, pool: p });
      },
    },
    events: recorder,
    configStatus: { report: async (s) => void reports.push(s) },
    poolStatus: { update: (p, c) => void poolCounters.set(p, c) },
    logger: silentLogger(),
    metrics,
    loadBalancerClass: lbClass,
  });
  return { controller, writes, events, reports, metrics, poolCounters };
}

const tutorial = { config: config(pool('my-ip-space', ['192.168.1.240-192.168.1.250'])), issues: [] };

describe('Controller loop', () => {
  test('tutorial: nginx gets 192.168.1.240, pool annotation, IPAllocated event, usage metrics', async () => {
    const { controller, writes, events, metrics } = setup();
    await controller.setConfig(tutorial);
    await controller.initialSync([]);
    await controller.upsertService(service('nginx'));
    expect(writes).toEqual([{ service: 'default/nginx', ips: ['192.168.1.240'], pool: 'my-ip-space' }]);
    expect(events).toEqual([{ type: 'Normal', service: 'default/nginx', reason: 'IPAllocated', message: 'Assigned IP ["192.168.1.240"]' }]);
    const text = await metrics.metrics();
    expect(text).toContain('metallb_allocator_addresses_in_use_total{pool="my-ip-space"} 1');
    expect(text).toContain('metallb_allocator_addresses_total{pool="my-ip-space"} 11');
    expect(text).toContain('metallb_k8s_client_config_loaded_bool 1');
  });

  test('IPAddressPool counters: published for IPAddressPool objects only, IPv6 saturating at 2^53-1', async () => {
    const { controller, poolCounters } = setup();
    const crdPool = pool('crd', ['192.168.1.240/30', 'fc00::/64'], ['layer2'], { source: { path: 'IPAddressPool/crd' } });
    await controller.setConfig({ config: config(crdPool, pool('legacy', ['10.0.0.0/30'])), issues: [] });
    await controller.initialSync([]);
    expect(poolCounters.get('crd')).toEqual({ assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 4, availableIPv6: Number.MAX_SAFE_INTEGER });
    await controller.upsertService(service('nginx'));
    expect(poolCounters.get('crd')).toEqual({ assignedIPv4: 1, assignedIPv6: 0, availableIPv4: 3, availableIPv6: Number.MAX_SAFE_INTEGER });
    expect(poolCounters.has('legacy')).toBe(false);
  });

  test('restart: services with status keep their IPs even when listed in an adverse order', async () => {
    const { controller, writes } = setup();
    await controller.setConfig(tutorial);
    const existing: ServiceView[] = [
      service('a-new'),
      service('z-old', { ingressIPs: ['192.168.1.240'], annotations: { 'metallb.io/ip-allocated-from-pool': 'my-ip-space' } }),
    ];
    await controller.initialSync(existing);
    expect(writes).toEqual([{ service: 'default/a-new', ips: ['192.168.1.241'], pool: 'my-ip-space' }]);
  });

  test('invalid config keeps the last good one, sets stale, reports the located error; fixing recovers', async () => {
    const { controller, writes, reports, metrics } = setup();
    await controller.setConfig(tutorial);
    await controller.initialSync([service('nginx')]);
    const applied = await controller.setConfig({
      issues: [{ severity: 'error', file: 'config', path: 'address-pools[0].addresses[0]', message: '"192.168.1.300/28" is not a CIDR or an address range' }],
    });
    expect(applied).toBe(false);
    expect(controller.currentConfig()?.pools[0]!.name).toBe('my-ip-space');
    expect(await metrics.metrics()).toContain('metallb_k8s_client_config_stale_bool 1');
    expect(reports.at(-1)).toMatchObject({ valid: false, errors: ['config:address-pools[0].addresses[0]: "192.168.1.300/28" is not a CIDR or an address range'] });
    expect(writes).toHaveLength(1);
    await controller.setConfig(tutorial);
    expect(await metrics.metrics()).toContain('metallb_k8s_client_config_stale_bool 0');
    expect(writes).toHaveLength(1);
  });

  test('pool shrinks so the IP leaves every pool: the service is reallocated', async () => {
    const { controller, writes } = setup();
    await controller.setConfig(tutorial);
    await controller.initialSync([]);
    await controller.upsertService(service('nginx'));
    await controller.setConfig({ config: config(pool('new', ['10.0.0.10-10.0.0.20'])), issues: [] });
    expect(writes.at(-1)).toEqual({ service: 'default/nginx', ips: ['10.0.0.10'], pool: 'new' });
  });

  test('pool exhausted: AllocationFailed warning with the reason', async () => {
    const { controller, events } = setup();
    await controller.setConfig({ config: config(pool('tiny', ['192.168.1.240/32'])), issues: [] });
    await controller.initialSync([service('a'), service('b')]);
    const failed = events.filter((e) => e.reason === 'AllocationFailed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ type: 'Warning', service: 'default/b' });
    expect(failed[0]!.message).toMatch(/^Failed to allocate IP for "default\/b": /);
  });

  test('a Service that stops being a LoadBalancer has its status cleared and its IP freed', async () => {
    const { controller, writes } = setup();
    await controller.setConfig(tutorial);
    await controller.initialSync([]);
    await controller.upsertService(service('nginx'));
    await controller.upsertService(service('nginx', { type: 'ClusterIP', ingressIPs: ['192.168.1.240'], annotations: { 'metallb.io/ip-allocated-from-pool': 'my-ip-space' } }));
    expect(writes.at(-1)).toEqual({ service: 'default/nginx', ips: [], pool: undefined });
    await controller.upsertService(service('other'));
    expect(writes.at(-1)).toEqual({ service: 'default/other', ips: ['192.168.1.240'], pool: 'my-ip-space' });
  });

  test('loadBalancerClass: only matching Services get IPs', async () => {
    const { controller, writes } = setup('metallbts');
    await controller.setConfig(tutorial);
    await controller.initialSync([service('none'), service('ours', { loadBalancerClass: 'metallbts' }), service('theirs', { loadBalancerClass: 'x' })]);
    expect(writes.map((w) => w.service)).toEqual(['default/ours']);
  });

  test('delete releases the IP for the next Service', async () => {
    const { controller, writes } = setup();
    await controller.setConfig(tutorial);
    await controller.initialSync([service('a')]);
    await controller.deleteService({ namespace: 'default', name: 'a' });
    await controller.upsertService(service('b'));
    expect(writes.at(-1)?.ips).toEqual(['192.168.1.240']);
  });

  test('a failing status write for one Service does not stop the others', async () => {
    const { controller, writes } = setup();
    let first = true;
    (controller as unknown as { deps: { status: { writeStatus: unknown } } }).deps.status.writeStatus = async (svc: ServiceView, ips: string[], p?: string) => {
      if (first) {
        first = false;
        throw new Error('HTTP 500');
      }
      writes.push({ service: `${svc.namespace}/${svc.name}`, ips, pool: p });
    };
    await controller.setConfig(tutorial);
    jest.useFakeTimers();
    try {
      await controller.initialSync([service('a'), service('b')]);
      expect(writes.map((w) => w.service)).toEqual(['default/b']);
      // The failed one is retried by itself after a backoff.
      await jest.advanceTimersByTimeAsync(1500);
      expect(writes.map((w) => w.service)).toEqual(['default/b', 'default/a']);
    } finally {
      controller.stop();
      jest.useRealTimers();
    }
  });
});

describe('Controller with overlapping status writes', () => {
  test('bounded in flight, ordered per Service, failures restored and retried', async () => {
    let active = 0;
    let maxActive = 0;
    let failNext = true;
    const log: string[] = [];
    const controller = new Controller({
      allocator: new Allocator(),
      status: {
        writeStatus: async (svc, ips) => {
          active++;
          maxActive = Math.max(maxActive, active);
          await new Promise((r) => setTimeout(r, 5));
          active--;
          if (svc.name === 's3' && failNext) {
            failNext = false;
            throw new Error('HTTP 500');
          }
          log.push(`${svc.name}=${ips.join(',')}`);
        },
      },
      events: { normal: () => undefined, warning: () => undefined },
      logger: silentLogger(),
      metrics: new Registry(),
      writeConcurrency: 3,
    });
    await controller.setConfig({ config: config(pool('p', ['10.0.0.0/24'])), issues: [] });
    await controller.initialSync(Array.from({ length: 10 }, (_, i) => service(`s${i}`)));
    // s0 stops being a LoadBalancer right away: its clear must land after its allocation.
    await controller.upsertService(service('s0', { type: 'ClusterIP', ingressIPs: ['10.0.0.0'], annotations: { 'metallb.io/ip-allocated-from-pool': 'p' } }));
    await controller.flush();
    expect(maxActive).toBeGreaterThan(1);
    expect(maxActive).toBeLessThanOrEqual(3);
    expect(log.indexOf('s0=10.0.0.0')).toBeLessThan(log.indexOf('s0='));
    expect(log).not.toContain('s3=10.0.0.3');
    // The failed write is retried after its backoff and lands.
    await new Promise((r) => setTimeout(r, 1300));
    await controller.flush();
    expect(log).toContain('s3=10.0.0.3');
    controller.stop();
  });
});

describe('Controller status writes with concurrency', () => {
  test('a full sync waits while 4× the write concurrency are queued, and every Service is written once', async () => {
    const started: string[] = [];
    const release: Array<() => void> = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const controller = new Controller({
      allocator: new Allocator(),
      status: {
        writeStatus: (svc) => {
          started.push(svc.name);
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          return new Promise<void>((r) => release.push(() => {
            inFlight--;
            r();
          }));
        },
      },
      events: { normal: () => undefined, warning: () => undefined },
      logger: silentLogger(),
      metrics: new Registry(),
      writeConcurrency: 2,
    });
    await controller.setConfig({ config: config(pool('p', ['10.0.0.0/24'])), issues: [] });
    const services = Array.from({ length: 20 }, (_, i) => service(`s${String(i).padStart(2, '0')}`));
    let syncDone = false;
    const sync = controller.initialSync(services).then(() => (syncDone = true));
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 5));
    await settle();
    // 8 queued (2 running): the sync is held back instead of queueing all 20.
    expect(started).toHaveLength(2);
    expect(syncDone).toBe(false);
    for (let i = 0; i < 40 && !syncDone; i++) {
      release.shift()?.();
      await settle();
    }
    expect(syncDone).toBe(true);
    await sync;
    while (release.length > 0) {
      release.shift()?.();
      await settle();
    }
    await controller.flush();
    expect(maxInFlight).toBe(2);
    expect([...started].sort()).toEqual(services.map((s) => s.name));
  });
});

describe('Controller live conditions', () => {
  test('an exhausted pool and a Service without IP: ServicesAllocated and PoolsAvailable False, one Warning each, gauge 0; freed: True', async () => {
    const reports: Array<{ valid: boolean; conditions?: Array<{ type: string; status: string; message: string }> }> = [];
    const warnings: string[] = [];
    const metrics = new Registry();
    const controller = new Controller({
      allocator: new Allocator(),
      status: { writeStatus: async () => undefined },
      events: { normal: () => undefined, warning: () => undefined },
      configStatus: { report: async (s) => void reports.push(s), warn: (reason, message) => void warnings.push(`${reason}: ${message}`) },
      statePublishMs: 1,
      logger: silentLogger(),
      metrics,
    });
    await controller.setConfig({ config: config(pool('tiny', ['192.168.1.240/32'])), issues: [] });
    await controller.initialSync([]);
    await controller.upsertService(service('a'));
    await controller.upsertService(service('b'));
    const cond = (type: string) => controller.conditions().find((c) => c.type === type);
    expect(cond('ServicesAllocated')).toMatchObject({ status: 'False', message: expect.stringContaining('default/b: no available IPs') });
    expect(cond('PoolsAvailable')).toMatchObject({ status: 'False', message: 'no free address in pool(s) tiny' });
    await new Promise((r) => setTimeout(r, 20));
    expect(reports.at(-1)?.conditions?.find((c) => c.type === 'ServicesAllocated')?.status).toBe('False');
    expect(warnings).toEqual([expect.stringMatching(/^AllocationFailed: 1 Service/), 'PoolExhausted: no free address in pool(s) tiny']);
    expect(await metrics.metrics()).toContain('metallbts_condition{type="PoolsAvailable"} 0');
    await controller.deleteService({ namespace: 'default', name: 'a' });
    await controller.upsertService(service('b'));
    await new Promise((r) => setTimeout(r, 20));
    expect(reports.at(-1)?.conditions?.find((c) => c.type === 'ServicesAllocated')?.status).toBe('True');
    expect(warnings).toHaveLength(2);
  });
});
