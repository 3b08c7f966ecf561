// The in-memory transport network: packets, streams, loss rules and partitions, and two nodes joining over it.
import { once } from 'node:events';
import { Memberlist, MemoryNetwork, type PacketSource, type StreamSocket, type Transport } from '../../../src/memberlist';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function endpoint(network: MemoryNetwork, address: string, port = 0) {
  const packets: Array<[string, PacketSource]> = [];
  const streams: StreamSocket[] = [];
  const bound = network.transport(address, port, { onPacket: (buf, from) => packets.push([buf.toString(), from]), onStream: (s) => streams.push(s) });
  return bound.then((t: Transport) => ({ t, packets, streams }));
}

describe('MemoryNetwork', () => {
  it('binds free ports for port 0, refuses a bound address:port, and frees it on close', async () => {
    const net = new MemoryNetwork();
    const a = await endpoint(net, '127.0.0.1');
    const b = await endpoint(net, '127.0.0.1');
    expect(a.t.port).not.toBe(b.t.port);
    await expect(net.transport('127.0.0.1', a.t.port, { onPacket: () => undefined, onStream: () => undefined })).rejects.toThrow(/already bound/);
    await a.t.close();
    await expect(endpoint(net, '127.0.0.1', a.t.port)).resolves.toBeDefined();
  });

  it('delivers packets with their source on a later turn, loses those a rule matches until healed, and drops them to nobody', async () => {
    const net = new MemoryNetwork();
    const a = await endpoint(net, '127.0.0.1');
    const b = await endpoint(net, '127.0.0.2');
    a.t.sendPacket(Buffer.from('one'), '127.0.0.2', b.t.port);
    expect(b.packets).toEqual([]);
    await tick();
    expect(b.packets).toEqual([['one', { address: '127.0.0.1', port: a.t.port }]]);
    const heal = net.losePackets((from) => from.port === a.t.port);
    a.t.sendPacket(Buffer.from('two'), '127.0.0.2', b.t.port);
    b.t.sendPacket(Buffer.from('back'), '127.0.0.1', a.t.port);
    a.t.sendPacket(Buffer.from('void'), '127.0.0.9', 1);
    await tick();
    expect(b.packets.map(([p]) => p)).toEqual(['one']);
    expect(a.packets.map(([p]) => p)).toEqual(['back']);
    heal();
    a.t.sendPacket(Buffer.from('three'), '127.0.0.2', b.t.port);
    await tick();
    expect(b.packets.map(([p]) => p)).toEqual(['one', 'three']);
  });

  it('connects streams both ways with remote addresses; closing one end closes the other; nobody listening refuses', async () => {
    const net = new MemoryNetwork();
    const a = await endpoint(net, '127.0.0.1');
    const b = await endpoint(net, '127.0.0.2');
    const s = await a.t.dial('127.0.0.2', b.t.port, 1000);
    await tick();
    const [accepted] = b.streams;
    expect(accepted).toBeDefined();
    expect([s.remoteAddress, s.remotePort, accepted!.remoteAddress, accepted!.remotePort]).toEqual(['127.0.0.2', b.t.port, '127.0.0.1', a.t.port]);
    const got = once(accepted!, 'data');
    s.write('ping');
    expect(String((await got)[0])).toBe('ping');
    const back = once(s, 'data');
    accepted!.write('pong');
    expect(String((await back)[0])).toBe('pong');
    const closed = once(accepted!, 'close');
    s.destroy();
    await closed;
    await expect(a.t.dial('127.0.0.2', 1, 1000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('partitions: packets and streams across the cut are lost both ways, inside each side they still flow', async () => {
    const net = new MemoryNetwork();
    const [a, b, c] = await Promise.all(['127.0.0.1', '127.0.0.2', '127.0.0.3'].map((ip) => endpoint(net, ip)));
    const ep = (e: typeof a) => ({ address: e!.t.address, port: e!.t.port });
    const heal = net.partition([ep(a)], [ep(b), ep(c)]);
    a!.t.sendPacket(Buffer.from('a>b'), '127.0.0.2', b!.t.port);
    b!.t.sendPacket(Buffer.from('b>a'), '127.0.0.1', a!.t.port);
    b!.t.sendPacket(Buffer.from('b>c'), '127.0.0.3', c!.t.port);
    await tick();
    expect([a!.packets.length, b!.packets.length, c!.packets.map(([p]) => p)]).toEqual([0, 0, ['b>c']]);
    await expect(a!.t.dial('127.0.0.2', b!.t.port, 5)).rejects.toThrow(/timed out/);
    heal();
    await expect(a!.t.dial('127.0.0.2', b!.t.port, 5)).resolves.toBeDefined();
  });

  it('carries a Memberlist join (push/pull stream and gossip packets) between two nodes', async () => {
    const net = new MemoryNetwork();
    const opts = { bindAddr: '127.0.0.1', bindPort: 0, secret: 'AbCdEfGhIjKlMnOpQrStUv', profile: 'fast' as const, transport: net.transport };
    const a = await Memberlist.create({ name: 'a', ...opts });
    const b = await Memberlist.create({ name: 'b', ...opts });
    try {
      await b.join([`127.0.0.1:${a.port}`]);
      const names = (m: Memberlist): string => m.members().map((n) => n.name).sort().join();
      for (let i = 0; i < 200 && names(a) !== 'a,b'; i++) await new Promise((r) => setTimeout(r, 10));
      expect([names(a), names(b)]).toEqual(['a,b', 'a,b']);
    } finally {
      await Promise.all([a.shutdown(), b.shutdown()]);
    }
  });
});
