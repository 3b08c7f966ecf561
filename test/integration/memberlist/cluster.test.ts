// Several metallbts memberlist nodes in one process on loopback: join, failure detection, leave,
// wrong keys and labels.
import { networkInterfaces } from 'node:os';
import { Memberlist, MemberlistOptions, MemoryNetwork } from '../../../src/memberlist';
import { DEFAULT_KEY_DERIVATION, deriveMetalLBKey } from '../../../src/memberlist/key-derivation';

const SECRET = 'AbCdEfGhIjKlMnOpQrStUv';
const nodes: Memberlist[] = [];

async function node(name: string, extra: Partial<MemberlistOptions> = {}): Promise<Memberlist> {
  const m = await Memberlist.create({ name, bindAddr: '127.0.0.1', bindPort: 0, secret: SECRET, profile: 'fast', ...extra });
  nodes.push(m);
  return m;
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - start;
}

const names = (m: Memberlist): string[] => m.members().map((n) => n.name).sort();

afterEach(async () => {
  await Promise.all(nodes.splice(0).map((n) => n.shutdown()));
});

test('three nodes join, detect a stopped node, and see a graceful leave', async () => {
  const a = await node('a');
  const b = await node('b');
  const c = await node('c');
  await b.join([`127.0.0.1:${a.port}`]);
  await c.join([`127.0.0.1:${b.port}`]);
  await waitFor(() => [a, b, c].every((m) => names(m).join() === 'a,b,c'), 5000);

  const deadSeen: string[] = [];
  a.on('dead', (n) => deadSeen.push(`a:${n.name}`));
  b.on('dead', (n) => deadSeen.push(`b:${n.name}`));
  await c.shutdown(); // no leave: looks like a crash
  const t = await waitFor(() => deadSeen.includes('a:c') && deadSeen.includes('b:c'), 5000);
  expect(t).toBeLessThan(3000);
  expect(names(a)).toEqual(['a', 'b']);

  const leftSeen: string[] = [];
  a.on('left', (n) => leftSeen.push(n.name));
  await b.leave(1000);
  await b.shutdown();
  await waitFor(() => leftSeen.includes('b'), 3000);
  expect(names(a)).toEqual(['a']);
});

test('a node with a wrong key never joins and changes nothing', async () => {
  const a = await node('a');
  const b = await node('b');
  await b.join([`127.0.0.1:${a.port}`]);
  await waitFor(() => names(a).join() === 'a,b', 3000);
  const evil = await node('evil', { secret: 'WrongWrongWrongWrongWr' });
  await expect(evil.join([`127.0.0.1:${a.port}`])).rejects.toThrow();
  await new Promise((r) => setTimeout(r, 800));
  expect(names(a)).toEqual(['a', 'b']);
  expect(names(evil)).toEqual(['evil']);
  expect(a.metrics.droppedCounts().decrypt ?? 0).toBeGreaterThan(0);
});

test('a wrongly labelled node is dropped; keyring rotation keeps the cluster together', async () => {
  const a = await node('a', { label: 'one' });
  const b = await node('b', { label: 'two' });
  await expect(b.join([`127.0.0.1:${a.port}`])).rejects.toThrow();
  expect(names(a)).toEqual(['a']);
  expect(a.metrics.droppedCounts().label ?? 0).toBeGreaterThan(0);

  const k1 = deriveMetalLBKey(SECRET, DEFAULT_KEY_DERIVATION);
  const k2 = Buffer.alloc(32, 7);
  const c = await node('c', { label: 'one' });
  await c.join([`127.0.0.1:${a.port}`]);
  await waitFor(() => names(a).join() === 'a,c', 3000);
  // Rotate: install k2 everywhere, make it primary, then remove k1.
  for (const m of [a, c]) m.keyring.addKey(k2);
  for (const m of [a, c]) m.keyring.useKey(k2);
  for (const m of [a, c]) m.keyring.removeKey(k1);
  await new Promise((r) => setTimeout(r, 1500));
  expect(names(a)).toEqual(['a', 'c']);
  expect(names(c)).toEqual(['a', 'c']);
});

test('refuses to start without a key unless told to run in clear', async () => {
  await expect(Memberlist.create({ name: 'x', bindAddr: '127.0.0.1', bindPort: 0 })).rejects.toThrow(/insecureClear/);
  const a = await node('a', { secret: undefined, insecureClear: true });
  const b = await node('b', { secret: undefined, insecureClear: true });
  await b.join([`127.0.0.1:${a.port}`]);
  await waitFor(() => names(a).join() === 'a,b', 3000);
});

test('garbage, truncated and replayed-with-wrong-key packets are dropped and counted, state unchanged', async () => {
  const dgram = await import('node:dgram');
  const { encodeAlive, DEFAULT_VSN } = await import('../../../src/memberlist/messages');
  const { encodePacket } = await import('../../../src/memberlist/packet');
  const { Keyring } = await import('../../../src/memberlist/crypto');
  const { encodeDead, encodeSuspect } = await import('../../../src/memberlist/messages');
  const { makeCompoundMessage } = await import('../../../src/memberlist/compound');
  const a = await node('a');
  const b = await node('b');
  await b.join([`127.0.0.1:${a.port}`]);
  await waitFor(() => names(a).join() === 'a,b', 3000);
  const clear = await node('c', { secret: undefined, insecureClear: true });
  const sock = dgram.createSocket('udp4');
  const alive = encodeAlive({ incarnation: 9, node: 'intruder', addr: Buffer.from([127, 0, 0, 1]), port: 1, meta: null, vsn: DEFAULT_VSN });
  // Well-formed lies about b, encrypted with a key the cluster does not have.
  const lies = makeCompoundMessage([alive, encodeDead({ incarnation: 99, node: 'b', from: 'x' }), encodeSuspect({ incarnation: 99, node: 'b', from: 'y' })]);
  const wrongKey = encodePacket(lies, { keyring: new Keyring([Buffer.alloc(32, 1)]), label: '', compress: false, crc: false });
  const send = (buf: Buffer, port: number): Promise<void> => new Promise((r) => sock.send(buf, port, '127.0.0.1', () => r()));
  try {
    for (let i = 0; i < 300; i++) {
      const junk = Buffer.from(Array.from({ length: (i * 7) % 200 }, (_, j) => (i * 31 + j * 17) & 0xff));
      await send(junk, a.port);
      await send(wrongKey, a.port);
      await send(alive.subarray(0, i % alive.length), clear.port); // truncated → always invalid
      await send(junk, clear.port);
      // Let the receiver drain its socket buffer (the kernel drops datagrams beyond it).
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(names(a)).toEqual(['a', 'b']);
    expect(a.allNodes().find((n) => n.name === 'b')).toMatchObject({ state: 'alive', incarnation: 1 });
    expect(names(clear)).toEqual(['c']);
    const da = a.metrics.droppedCounts();
    expect((da.decrypt ?? 0) + (da.truncated ?? 0)).toBeGreaterThanOrEqual(590);
    const dc = clear.metrics.droppedCounts();
    expect(Object.values(dc).reduce((x, y) => x + y, 0)).toBeGreaterThanOrEqual(480);
  } finally {
    sock.close();
  }
});

test('TCP ping fallback keeps a node whose UDP replies are lost from being suspected', async () => {
  // Slower probes than `fast`, so that only a broken fallback (not CI load) misses the deadline.
  const timings = { probeIntervalMs: 500, probeTimeoutMs: 250 };
  const network = new MemoryNetwork();
  const a = await node('a', { timings, transport: network.transport });
  const b = await node('b', { timings, transport: network.transport });
  const c = await node('c', { timings, transport: network.transport });
  await b.join([`127.0.0.1:${a.port}`]);
  await c.join([`127.0.0.1:${a.port}`]);
  await waitFor(() => [a, b, c].every((m) => names(m).join() === 'a,b,c'), 5000);
  const suspected: string[] = [];
  a.on('suspect', (n) => suspected.push(n.name));
  c.on('suspect', (n) => suspected.push(n.name));
  // b can still receive UDP and answer over TCP, but every UDP packet it sends is lost.
  network.losePackets((from) => from.port === b.port);
  await new Promise((r) => setTimeout(r, 3000));
  expect(suspected).toEqual([]);
  expect(names(a)).toEqual(['a', 'b', 'c']);
});

test('a restarted node under the same name refutes its old death and rejoins', async () => {
  const a = await node('a');
  const b = await node('b');
  await b.join([`127.0.0.1:${a.port}`]);
  await waitFor(() => names(a).join() === 'a,b', 3000);
  const port = b.port;
  await b.shutdown();
  await waitFor(() => names(a).join() === 'a', 5000);
  const b2 = await node('b', { bindPort: port });
  await b2.join([`127.0.0.1:${a.port}`]);
  await waitFor(() => names(a).join() === 'a,b' && names(b2).join() === 'a,b', 5000);
  expect(b2.localNode()!.incarnation).toBeGreaterThan(1);
});

const hasIPv6Loopback = Object.values(networkInterfaces())
  .flat()
  .some((i) => i?.address === '::1');

(hasIPv6Loopback || process.env.CI ? test : test.skip)('IPv6 loopback cluster', async () => {
  const a = await node('a6', { bindAddr: '::1' });
  const b = await node('b6', { bindAddr: '::1' });
  await b.join([`[::1]:${a.port}`]);
  await waitFor(() => names(a).join() === 'a6,b6' && names(b).join() === 'a6,b6', 3000);
  expect(a.members().find((n) => n.name === 'b6')!.addr).toBe('::1');
});

test('event-loop stalls of the whole process cause no false suspicion', async () => {
  const a = await node('a');
  const b = await node('b');
  const c = await node('c');
  await b.join([`127.0.0.1:${a.port}`]);
  await c.join([`127.0.0.1:${a.port}`]);
  await waitFor(() => [a, b, c].every((m) => names(m).join() === 'a,b,c'), 5000);
  const bad: string[] = [];
  for (const m of [a, b, c]) m.on('change', (ev, n) => (ev === 'suspect' || ev === 'dead' ? bad.push(`${m.name}:${ev}:${n.name}`) : undefined));
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
    const until = Date.now() + 600; // longer than a `fast` probe interval and its suspicion window
    while (Date.now() < until) {
      /* stall */
    }
  }
  await new Promise((r) => setTimeout(r, 1000));
  expect(bad).toEqual([]);
});
