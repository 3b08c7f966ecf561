// BgpSession.reset (BFD Down: drop at once, reconnect) and retryNow (BFD Up: skip the backoff) against a scripted peer.
import { BgpSession } from '../../../plugins/bgp/session';
import { FakePeer } from './fake-peer';

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function start(backoff: { unitMs: number; maxMs: number }) {
  const peer = new FakePeer({ asn: 65000 });
  const port = await peer.listen();
  const s = new BgpSession({ peerAddress: '127.0.0.1', peerPort: port, myAsn: 65001, peerAsn: 65000, routerId: '10.0.0.1', backoff });
  cleanup.push(async () => {
    await s.stop({ timeoutMs: 500 });
    await peer.close();
  });
  const first = peer.nextConnection();
  const up = new Promise<void>((r) => s.once('established', () => r()));
  s.start();
  await first;
  await up;
  return { peer, s };
}

test('reset drops an Established session at once with the given reason, then reconnects', async () => {
  const { peer, s } = await start({ unitMs: 10, maxMs: 50 });
  const down = new Promise<string>((r) => s.once('down', (reason: string) => r(reason)));
  const again = peer.nextConnection();
  s.reset('BFD down (diag 1)');
  expect(await down).toBe('BFD down (diag 1)');
  // The reason stays readable for status and doctor until the session is up again.
  expect(s.lastError).toBe('BFD down (diag 1)');
  await again;
  expect(peer.connections).toHaveLength(2);
});

test('retryNow connects at once instead of waiting out a long backoff', async () => {
  const { peer, s } = await start({ unitMs: 60_000, maxMs: 60_000 });
  const down = new Promise<void>((r) => s.once('down', () => r()));
  // After an Established session drops, the next attempt waits one backoff unit: 60 s here.
  s.reset('BFD down (diag 1)');
  await down;
  expect(s.state).toBe('Idle');
  const again = peer.nextConnection(2000);
  s.retryNow();
  await again;
  expect(peer.connections).toHaveLength(2);
});
