// KubeEventRecorder against a scripted API: involvedObject identity, one Event patched per repeat, 404/409 recovery.
import { KubeEventRecorder } from '../../../src/core/k8s/event-recorder';
import type { KubeClients } from '../../../src/core/k8s/kube-clients';
import { KubeRequestError } from '../../../src/core/k8s/kube-request';
import { silentLogger } from '../../../src/core/log';

interface Call {
  method: string;
  path: string;
  body: Record<string, unknown>;
  contentType?: string;
}

function fakeClients(answer: (c: Call) => unknown = () => ({})): { clients: KubeClients; calls: Call[] } {
  const calls: Call[] = [];
  const requester = {
    send: async (method: string, path: string, body: Record<string, unknown>, contentType?: string): Promise<unknown> => {
      const call = { method, path, body: JSON.parse(JSON.stringify(body)) as Record<string, unknown>, contentType };
      calls.push(call);
      return answer(call);
    },
  };
  return { clients: { requester } as unknown as KubeClients, calls };
}

const nginx = { namespace: 'default', name: 'nginx', uid: '5f0c-uid', resourceVersion: '42' };

describe('KubeEventRecorder', () => {
  it('writes the involved Service with uid, resourceVersion and apiVersion', async () => {
    const { clients, calls } = fakeClients();
    const r = new KubeEventRecorder(clients, 'metallb-controller', silentLogger());
    r.normal(nginx, 'IPAllocated', 'Assigned IP ["192.168.1.240"]');
    await r.flush();
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: 'POST', path: '/api/v1/namespaces/default/events' });
    expect(calls[0]!.body).toMatchObject({
      involvedObject: { kind: 'Service', apiVersion: 'v1', namespace: 'default', name: 'nginx', uid: '5f0c-uid', resourceVersion: '42' },
      type: 'Normal',
      reason: 'IPAllocated',
      count: 1,
      source: { component: 'metallb-controller' },
    });
  });

  it('fills a bare key from resolve (a plugin knows only namespace/name)', async () => {
    const { clients, calls } = fakeClients();
    const r = new KubeEventRecorder(clients, 'metallb-speaker', silentLogger(), 'node-a', { resolve: () => nginx });
    r.warning({ namespace: 'default', name: 'nginx' }, 'duplicateOwner', 'two owners');
    await r.flush();
    expect(calls[0]!.body).toMatchObject({ involvedObject: { uid: '5f0c-uid' }, type: 'Warning', source: { host: 'node-a' } });
  });

  it('counts repeats on one Event with a merge patch of count, lastTimestamp and message', async () => {
    const { clients, calls } = fakeClients();
    const r = new KubeEventRecorder(clients, 'metallb-controller', silentLogger());
    r.warning(nginx, 'AllocationFailed', 'no IP');
    await r.flush();
    r.warning(nginx, 'AllocationFailed', 'no IP');
    await r.flush();
    r.warning(nginx, 'AllocationFailed', 'no IP');
    await r.flush();
    expect(calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'PATCH']);
    const name = (calls[0]!.body.metadata as { name: string }).name;
    expect(calls[2]!.path).toBe(`/api/v1/namespaces/default/events/${name}`);
    expect(calls[2]!.contentType).toBe('application/merge-patch+json');
    expect(calls[2]!.body).toEqual({ count: 3, lastTimestamp: expect.any(String), message: 'no IP' });
  });

  it('folds repeats made before the first write into the create', async () => {
    const { clients, calls } = fakeClients();
    const r = new KubeEventRecorder(clients, 'metallb-controller', silentLogger());
    for (let i = 0; i < 5; i++) r.warning({ ...nginx, name: `svc${i}` }, 'AllocationFailed', 'no IP');
    for (let i = 0; i < 4; i++) r.warning(nginx, 'AllocationFailed', 'no IP');
    await r.flush();
    const forNginx = calls.filter((c) => c.path.endsWith('/events') && (c.body.involvedObject as { name: string }).name === 'nginx');
    expect(forNginx).toHaveLength(1);
    const all = calls.filter((c) => c.path.includes('nginx.') || (c.body.involvedObject as { name?: string } | undefined)?.name === 'nginx');
    expect(all[all.length - 1]!.body.count).toBe(4);
  });

  it('re-creates an Event that expired (404 on patch)', async () => {
    let expired = false;
    const { clients, calls } = fakeClients((c) => {
      if (c.method === 'PATCH' && expired) throw new KubeRequestError('HTTP 404', 404, '{}');
      return {};
    });
    const r = new KubeEventRecorder(clients, 'metallb-controller', silentLogger());
    r.normal(nginx, 'IPAllocated', 'x');
    await r.flush();
    expired = true;
    r.normal(nginx, 'IPAllocated', 'x');
    await r.flush();
    expect(calls.map((c) => c.method)).toEqual(['POST', 'PATCH', 'POST']);
    expect(calls[2]!.body.count).toBe(2);
  });
});
