// SpeakerMembership over real memberlist on 127.0.0.1: members join, leave, and a missing secret is refused.
import { createServer } from 'node:net';
import { Registry } from 'prom-client';
import { silentLogger } from '../../../src/core/log';
import { SpeakerMembership } from '../../../plugins/layer2/membership';
import { parseLayer2Options } from '../../../plugins/layer2/options';
import { until } from '../../support/until';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('SpeakerMembership', () => {
  jest.setTimeout(30_000);
  const started: SpeakerMembership[] = [];
  afterAll(async () => {
    await Promise.allSettled(started.map((m) => m.stop()));
  });

  it('two speakers with the MetalLB secret see each other, and a leave is noticed', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const base = parseLayer2Options({ memberlist: { profile: 'fast' } }).memberlist;
    const secret = 'AbCdEfGhIjKlMnOpQrStUv';
    const registry = new Registry();
    const a = new SpeakerMembership({ nodeName: 'node-a', settings: { ...base, bindAddr: '127.0.0.1', bindPort: pa }, secret, logger: silentLogger(), registry, peers: () => [] });
    started.push(a);
    await a.ready;
    let changes = 0;
    a.onChange(() => changes++);
    const b = new SpeakerMembership({ nodeName: 'node-b', settings: { ...base, bindAddr: '127.0.0.1', bindPort: pb }, secret, logger: silentLogger(), peers: () => [`127.0.0.1:${pa}`] });
    started.push(b);
    await b.ready;
    expect(await until(() => (a.members() ?? []).length === 2, 10_000, 50)).toBe(true);
    expect((b.members() ?? []).sort()).toEqual(['node-a', 'node-b']);
    expect(changes).toBeGreaterThan(0);
    // memberlist's own metrics land in the speaker's registry (served on /metrics): node-a decrypted b's packets.
    expect(await registry.getSingleMetricAsString('metallbts_memberlist_decrypted_total')).toMatch(/key="primary"\} [1-9]/);
    expect(a.status()).toEqual({ healthy: true, members: 2 });
    await b.stop();
    expect(await until(() => (a.members() ?? []).length === 1, 10_000, 50)).toBe(true);
  });

  it('refuses to gossip in clear text without an explicit opt-in, and then reports unhealthy with all Nodes as candidates', async () => {
    const base = parseLayer2Options({}).memberlist;
    const m = new SpeakerMembership({ nodeName: 'n', settings: { ...base, bindAddr: '127.0.0.1', bindPort: await freePort() }, logger: silentLogger(), peers: () => [] });
    started.push(m);
    await m.ready;
    expect(m.members()).toBeUndefined();
    expect(m.status()).toMatchObject({ healthy: false, message: expect.stringMatching(/insecureClear/) });
  });
});
