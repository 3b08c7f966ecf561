// The announcer against a real HTTP receiver on 127.0.0.1: messages, idempotence, retries, the bounded queue, shutdown.
// The PluginContext and the Services come from metallbts/plugin-testkit, as the speaker would hand them over.
import type { Announcer, ServiceView } from 'metallbts/plugin-api';
import { createFakeContext, makeEndpoint, makeNode, makeService, type FakeContext } from 'metallbts/plugin-testkit';
import plugin, { QueueFullError, type WebhookMessage } from '../src';
import { Receiver, until } from './receiver';

const svc = (name: string, over: Partial<ServiceView> = {}): ServiceView => makeService(`default/${name}`, ['10.20.0.1'], over);
const key = (name: string): { namespace: string; name: string } => ({ namespace: 'default', name });

let receiver: Receiver;
const running: Announcer[] = [];

interface Setup {
  secrets?: Record<string, Record<string, string>>;
  networkUnavailable?: boolean;
}

/** A plugin instance on node-a (192.168.1.10) posting to the test's receiver; fast retries so tests stay short. */
function start(o: Setup = {}, options: Record<string, unknown> = {}): { a: Announcer; fake: FakeContext } {
  const fake = createFakeContext({
    protocol: 'webhook',
    nodes: [makeNode('node-a', { addresses: ['192.168.1.10'], networkUnavailable: o.networkUnavailable ?? false })],
    secrets: o.secrets,
    options: { url: receiver.url, retryBaseMs: 5, retryMaxMs: 20, ...options },
  });
  const a = plugin.create(fake.ctx);
  running.push(a);
  return { a, fake };
}

beforeEach(async () => {
  receiver = await new Receiver().start();
});

afterEach(async () => {
  for (const a of running.splice(0)) await a.shutdown();
  await receiver.stop();
});

describe('announce and withdraw', () => {
  test('setBalancer POSTs an Announce with the node, its addresses, the IPs, pool and ports; deleteBalancer a Withdraw', async () => {
    const { a } = start();
    await a.setBalancer(key('web'), ['10.20.0.1'], 'routed', svc('web'));
    const [announce] = await until('the announce', () => receiver.requests.length === 1 && receiver.requests);
    expect(announce!.body).toMatchObject({
      apiVersion: 'webhook.metallbts.io/v1', kind: 'Announce', node: 'node-a', nodeAddresses: ['192.168.1.10'],
      service: { namespace: 'default', name: 'web' }, ips: ['10.20.0.1'], pool: 'routed', ports: [{ port: 80, protocol: 'TCP' }],
    });
    expect(announce!.headers).toMatchObject({
      'content-type': 'application/json', 'x-metallbts-node': 'node-a', 'idempotency-key': announce!.body.id,
      'user-agent': expect.stringMatching(/^metallbts-plugin-webhook\//),
    });
    expect(announce!.headers.authorization).toBeUndefined();

    await a.deleteBalancer(key('web'));
    const withdraw = await until('the withdraw', () => receiver.requests[1]);
    expect(withdraw.body).toMatchObject({ kind: 'Withdraw', node: 'node-a', service: { name: 'web' }, ips: ['10.20.0.1'], pool: 'routed', ports: [] });
    expect(withdraw.body.id).not.toBe(announce!.body.id);
  });

  test('idempotent: the same state again sends nothing, a changed IP set sends the full new state, a second delete nothing', async () => {
    const { a } = start();
    await a.setBalancer(key('web'), ['10.20.0.2', '10.20.0.1'], 'routed', svc('web'));
    await a.setBalancer(key('web'), ['10.20.0.1', '10.20.0.2'], 'routed', svc('web'));
    await until('the first announce', () => receiver.requests.length === 1);
    await a.setBalancer(key('web'), ['10.20.0.1', '10.20.0.2'], 'routed', svc('web'));
    await a.setBalancer(key('web'), ['10.20.0.3'], 'routed', svc('web'));
    await until('the second announce', () => receiver.requests.length === 2);
    await a.deleteBalancer(key('web'));
    await a.deleteBalancer(key('web'));
    await a.deleteBalancer(key('never-announced'));
    await until('the withdraw', () => receiver.requests.length === 3);
    await until('an idle queue', () => a.status().details?.pending === 0);
    expect(receiver.bodies().map((b) => [b.kind, b.ips])).toEqual([
      ['Announce', ['10.20.0.1', '10.20.0.2']], ['Announce', ['10.20.0.3']], ['Withdraw', ['10.20.0.3']],
    ]);
    expect(a.status()).toMatchObject({ healthy: true, details: { delivered: 3, failed: 0, announced: 0 } });
  });

  test('the bearer token comes from the Secret through ctx.secret', async () => {
    const { a } = start({ secrets: { 'lb-api': { token: 's3cret\n' } } }, { tokenSecret: { name: 'lb-api' }, headers: { 'X-Api-Version': '2' } });
    await a.setBalancer(key('web'), ['10.20.0.1'], 'routed', svc('web'));
    const r = await until('the announce', () => receiver.requests[0]);
    expect(r.headers.authorization).toBe('Bearer s3cret');
    expect(r.headers['x-api-version']).toBe('2');
  });

  test('an unreadable token Secret is retried, and status says which Secret to grant', async () => {
    const secrets: Record<string, Record<string, string>> = {};
    const { a } = start({ secrets }, { tokenSecret: { name: 'lb-api', key: 'token' } });
    await a.setBalancer(key('web'), ['10.20.0.1'], 'routed', svc('web'));
    const st = await until('an unhealthy status', () => (a.status().healthy ? undefined : a.status()));
    expect(st.message).toMatch(/Secret lb-api \(key token\) is not readable by the speaker/);
    expect(receiver.requests).toHaveLength(0);
    secrets['lb-api'] = { token: 'late' };
    const r = await until('the announce once the Secret is there', () => receiver.requests[0]);
    expect(r.headers.authorization).toBe('Bearer late');
    await until('a healthy status', () => a.status().healthy);
  });
});

describe('delivery', () => {
  test('5xx and 429 are retried with the same message id until the receiver takes it; status is unhealthy meanwhile', async () => {
    receiver.script.push(503, 429, 500);
    const { a, fake } = start();
    await a.setBalancer(key('web'), ['10.20.0.1'], 'routed', svc('web'));
    await until('four attempts', () => receiver.requests.length === 4);
    await until('a healthy status', () => a.status().healthy);
    const ids = new Set(receiver.requests.map((r) => r.headers['idempotency-key']));
    expect(ids.size).toBe(1);
    expect(receiver.requests.map((r) => r.headers['x-metallbts-attempt'])).toEqual(['1', '2', '3', '4']);
    expect(fake.logsWithEvent('webhookRetry').map((l) => l.error)).toEqual([
      expect.stringMatching(/^HTTP 503/), expect.stringMatching(/^HTTP 429/), expect.stringMatching(/^HTTP 500/),
    ]);
    expect(fake.logsWithEvent('webhookDelivered')[0]).toMatchObject({ attempts: 4, service: 'default/web', ip: ['10.20.0.1'] });
    expect(a.status().details).toMatchObject({ delivered: 1, retries: 3, failed: 0 });
  });

  test('a 4xx refusal is final: dropped, logged, a Warning Event on the Service, status unhealthy', async () => {
    receiver.script.push(400);
    const { a, fake } = start();
    await a.setBalancer(key('web'), ['10.20.0.1'], 'routed', svc('web'));
    await until('the failure', () => a.status().details?.failed === 1);
    expect(receiver.requests).toHaveLength(1);
    expect(a.status()).toMatchObject({ healthy: false, message: expect.stringMatching(/HTTP 400/) });
    expect(fake.events).toEqual([{ type: 'Warning', service: 'default/web', reason: 'WebhookFailed', message: expect.stringMatching(/Announce from node node-a not delivered to http:\/\/127\.0\.0\.1:\d+\/v1\/vips: HTTP 400/) }]);
    expect(fake.logsWithEvent('webhookFailed')[0]).toMatchObject({ level: 'error', kind: 'Announce', service: 'default/web' });
  });

  test('maxAttempts bounds the retries of one message', async () => {
    receiver.script.push(503, 503, 503, 503);
    const { a } = start({}, { maxAttempts: 2 });
    await a.setBalancer(key('web'), ['10.20.0.1'], 'routed', svc('web'));
    await until('the give-up', () => a.status().details?.failed === 1);
    expect(receiver.requests).toHaveLength(2);
    expect(a.status().message).toMatch(/gave up after 2 attempts/);
  });

  test('a receiver that never answers is cut at timeoutMs and retried', async () => {
    receiver.script.push('hang');
    const { a, fake } = start({}, { timeoutMs: 200 });
    await a.setBalancer(key('web'), ['10.20.0.1'], 'routed', svc('web'));
    await until('the retry after the time-out', () => receiver.requests.length === 2);
    await until('the delivery', () => a.status().details?.delivered === 1);
    expect(fake.logsWithEvent('webhookRetry')[0]?.error).toMatch(/no response within 200 ms/);
  });

  test('bounded queue: while the receiver is stuck, newer states replace older ones and new Services beyond queueSize are refused', async () => {
    receiver.script.push('hang');
    const { a } = start({}, { queueSize: 2, timeoutMs: 60_000, shutdownTimeoutMs: 100 });
    await a.setBalancer(key('a'), ['10.20.0.1'], 'routed', svc('a')); // in flight, stuck
    await until('the stuck request', () => receiver.requests.length === 1);
    await a.setBalancer(key('b'), ['10.20.0.2'], 'routed', svc('b'));
    await a.setBalancer(key('b'), ['10.20.0.3'], 'routed', svc('b')); // replaces b's waiting Announce
    await a.setBalancer(key('c'), ['10.20.0.4'], 'routed', svc('c'));
    await expect(a.setBalancer(key('d'), ['10.20.0.5'], 'routed', svc('d'))).rejects.toThrow(QueueFullError);
    await a.deleteBalancer(key('a')); // a withdraw is always taken
    expect(a.status().details).toMatchObject({ pending: 3, superseded: 1 });
    await a.shutdown(); // gives up on the stuck receiver after shutdownTimeoutMs, drops what waits
    expect(receiver.requests).toHaveLength(1);
    expect(a.status().details).toMatchObject({ pending: 0 });
  });

  test('shutdown withdraws every announced Service, then releases its sockets', async () => {
    const { a } = start();
    await a.setBalancer(key('a'), ['10.20.0.1'], 'routed', svc('a'));
    await a.setBalancer(key('b'), ['10.20.0.2'], 'routed', svc('b'));
    await until('two announces', () => receiver.requests.length === 2);
    expect(await receiver.connections()).toBeGreaterThan(0); // keep-alive
    await a.shutdown();
    expect(receiver.bodies().slice(2).map((b) => [b.kind, b.service.name]).sort()).toEqual([['Withdraw', 'a'], ['Withdraw', 'b']]);
    await until('no open connection', async () => (await receiver.connections()) === 0);
    await a.setBalancer(key('c'), ['10.20.0.3'], 'routed', svc('c')); // after shutdown: ignored
    expect(receiver.requests).toHaveLength(4);
  });

  test('shutdown does not wait longer than shutdownTimeoutMs for a stuck receiver', async () => {
    receiver.script.push(200, 'hang');
    const { a } = start({}, { shutdownTimeoutMs: 100, timeoutMs: 60_000 });
    await a.setBalancer(key('a'), ['10.20.0.1'], 'routed', svc('a'));
    await until('the announce', () => receiver.requests.length === 1);
    await a.shutdown(); // the withdraw hangs; shutdown gives up and aborts it
    expect(receiver.bodies().map((b) => b.kind)).toEqual(['Announce', 'Withdraw']);
  });

  test('withdrawOnShutdown: false leaves the receiver as it is', async () => {
    const { a } = start({}, { withdrawOnShutdown: false });
    await a.setBalancer(key('a'), ['10.20.0.1'], 'routed', svc('a'));
    await until('the announce', () => receiver.requests.length === 1);
    await a.shutdown();
    expect(receiver.bodies().map((b: WebhookMessage) => b.kind)).toEqual(['Announce']);
  });

  test("the speaker's order, ctx.signal aborted then shutdown(), still withdraws", async () => {
    const { a, fake } = start();
    await a.setBalancer(key('a'), ['10.20.0.1'], 'routed', svc('a'));
    await until('the announce', () => receiver.requests.length === 1);
    fake.abort();
    await a.shutdown();
    expect(receiver.bodies().map((b) => b.kind)).toEqual(['Announce', 'Withdraw']);
  });

  test('ctx.signal aborted and no shutdown() (speaker gone): delivery stops after shutdownTimeoutMs', async () => {
    receiver.script.push('hang');
    const { a, fake } = start({}, { timeoutMs: 60_000, shutdownTimeoutMs: 50 });
    await a.setBalancer(key('a'), ['10.20.0.1'], 'routed', svc('a'));
    await until('the stuck request', () => receiver.requests.length === 1);
    fake.abort();
    await until('a closed queue', () => a.status().details?.busy === false);
    await a.setBalancer(key('b'), ['10.20.0.2'], 'routed', svc('b')); // closed: ignored
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('decisions', () => {
  test('every node announces; with externalTrafficPolicy Local only a node with a ready endpoint; never a node without network', () => {
    const local = svc('web', { externalTrafficPolicy: 'Local' });
    const { a, fake } = start();
    expect(a.shouldAnnounce(svc('web'), 'routed').announce).toBe(true);
    fake.cluster.setEndpoints(local, [makeEndpoint('node-b')]);
    expect(a.shouldAnnounce(local, 'routed')).toEqual({ announce: false, reason: 'externalTrafficPolicy Local and no ready endpoint on this node' });
    fake.cluster.setEndpoints(local, [makeEndpoint('node-a', ['10.244.0.5'], { ready: false })]);
    expect(a.shouldAnnounce(local, 'routed').announce).toBe(false);
    fake.cluster.setEndpoints(local, [makeEndpoint('node-a', ['10.244.0.5'])]);
    expect(a.shouldAnnounce(local, 'routed').announce).toBe(true);
    expect(start({ networkUnavailable: true }).a.shouldAnnounce(svc('web'), 'routed').announce).toBe(false);
  });
});
