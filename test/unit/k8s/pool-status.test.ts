// KubePoolStatusWriter: coalesces counter updates per pool, skips unchanged ones, treats a vanished pool as done.
import { KubePoolStatusWriter } from '../../../src/core/k8s/pool-status';
import type { KubeClients } from '../../../src/core/k8s/kube-clients';
import { silentLogger } from '../../../src/core/log';

const counters = (assignedIPv4: number) => ({ assignedIPv4, assignedIPv6: 0, availableIPv4: 10 - assignedIPv4, availableIPv6: 0 });

function fakeClients(failFor: Record<string, number> = {}) {
  const patches: Array<{ name: string; body: unknown }> = [];
  const clients = {
    custom: {
      patchNamespacedCustomObjectStatus: async (p: { name: string; body: unknown; plural: string; namespace: string }) => {
        expect([p.plural, p.namespace]).toEqual(['ipaddresspools', 'metallb-system']);
        const code = failFor[p.name];
        if (code !== undefined) throw Object.assign(new Error(`HTTP ${code}`), { code });
        patches.push({ name: p.name, body: p.body });
        return {};
      },
    },
  } as unknown as KubeClients;
  return { clients, patches };
}

describe('KubePoolStatusWriter', () => {
  test('many updates before a flush: one merge patch per pool with the latest counters', async () => {
    const { clients, patches } = fakeClients();
    const w = new KubePoolStatusWriter(clients, 'metallb-system', silentLogger(), 60_000);
    for (let i = 0; i < 5; i++) w.update('a', counters(i));
    w.update('b', counters(1));
    await w.flush();
    expect(patches).toEqual([
      { name: 'a', body: { status: counters(4) } },
      { name: 'b', body: { status: counters(1) } },
    ]);
    await w.stop();
  });

  test('counters equal to the last written ones are not written again', async () => {
    const { clients, patches } = fakeClients();
    const w = new KubePoolStatusWriter(clients, 'metallb-system', silentLogger(), 60_000);
    w.update('a', counters(1));
    await w.flush();
    w.update('a', counters(1));
    await w.stop();
    expect(patches).toHaveLength(1);
  });

  test('a pool deleted meanwhile (404) is not retried; other pools are still written', async () => {
    const { clients, patches } = fakeClients({ gone: 404 });
    const w = new KubePoolStatusWriter(clients, 'metallb-system', silentLogger(), 60_000);
    w.update('gone', counters(1));
    w.update('a', counters(2));
    await w.flush();
    await w.flush();
    expect(patches.map((p) => p.name)).toEqual(['a']);
    await w.stop();
  });

  test('after stop, updates are ignored', async () => {
    const { clients, patches } = fakeClients();
    const w = new KubePoolStatusWriter(clients, 'metallb-system', silentLogger(), 60_000);
    await w.stop();
    w.update('a', counters(1));
    await w.flush();
    expect(patches).toEqual([]);
  });
});
