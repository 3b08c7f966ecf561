// An in-memory network of memberlist transports for tests: packets and streams between bound endpoints, and rules that lose packets or cut streams (partitions) without sockets or casts.
import { duplexPair } from 'node:stream';
import type { PacketSource, StreamSocket, Transport, TransportFactory, TransportHandlers } from './transport';

/** An address and port on the in-memory network. */
export type Endpoint = PacketSource;
/** Whether traffic from → to is affected. */
export type EndpointRule = (from: Endpoint, to: Endpoint) => boolean;

const key = (e: Endpoint): string => `${e.address}:${e.port}`;
const FIRST_PORT = 30_000;

/** An in-memory network for tests: transports bound to it exchange packets and streams, with injectable loss and cuts. */
export class MemoryNetwork {
  private readonly bound = new Map<string, MemoryTransport>();
  private readonly packetLosses = new Set<EndpointRule>();
  private readonly streamCuts = new Set<EndpointRule>();
  private nextPort = FIRST_PORT;

  /** Binds on this network: pass as `MemberlistOptions.transport`. */
  readonly transport: TransportFactory = (address, port, handlers) => Promise.resolve().then(() => this.bind(address, port, handlers));

  /** Packets from → to for which `rule` holds are lost, until the returned function is called. */
  losePackets(rule: EndpointRule): () => void {
    this.packetLosses.add(rule);
    return () => this.packetLosses.delete(rule);
  }

  /** Streams from → to for which `rule` holds never connect (the dial times out), until the returned function is called. */
  cutStreams(rule: EndpointRule): () => void {
    this.streamCuts.add(rule);
    return () => this.streamCuts.delete(rule);
  }

  /** Packets and streams between the two sides are lost both ways, until the returned function is called. */
  partition(side: Endpoint[], other: Endpoint[]): () => void {
    const inSide = new Set(side.map(key));
    const inOther = new Set(other.map(key));
    const across: EndpointRule = (from, to) => (inSide.has(key(from)) && inOther.has(key(to))) || (inOther.has(key(from)) && inSide.has(key(to)));
    const heal = [this.losePackets(across), this.cutStreams(across)];
    return () => heal.forEach((h) => h());
  }

  private bind(address: string, port: number, handlers: TransportHandlers): MemoryTransport {
    if (port === 0) {
      while (this.bound.has(key({ address, port: this.nextPort }))) this.nextPort++;
      port = this.nextPort++;
    }
    const at = { address, port };
    if (this.bound.has(key(at))) throw new Error(`memberlist: ${key(at)} is already bound on this network`);
    const t = new MemoryTransport(this, at, handlers);
    this.bound.set(key(at), t);
    return t;
  }

  /** @internal MemoryTransport.sendPacket: delivered on a later turn of the event loop, as a datagram would be. */
  deliverPacket(from: Endpoint, to: Endpoint, buf: Buffer): void {
    const target = this.bound.get(key(to));
    if (!target || [...this.packetLosses].some((lose) => lose(from, to))) return;
    const copy = Buffer.from(buf);
    setImmediate(() => target.receivePacket(copy, from));
  }

  /** @internal MemoryTransport.dial. */
  connect(from: Endpoint, to: Endpoint, timeoutMs: number): Promise<StreamSocket> {
    const target = this.bound.get(key(to));
    if ([...this.streamCuts].some((cut) => cut(from, to))) {
      return new Promise((_, reject) => setTimeout(() => reject(new Error(`memberlist: dial ${key(to)} timed out`)), Math.max(1, timeoutMs)).unref());
    }
    if (!target) return Promise.reject(Object.assign(new Error(`connect ECONNREFUSED ${key(to)}`), { code: 'ECONNREFUSED' }));
    const [near, far] = duplexPair();
    // A TCP reset reaches the other side: destroying one end closes both.
    near.once('close', () => far.destroy());
    far.once('close', () => near.destroy());
    const ours: StreamSocket = Object.assign(near, { remoteAddress: to.address, remotePort: to.port });
    const theirs: StreamSocket = Object.assign(far, { remoteAddress: from.address, remotePort: from.port });
    setImmediate(() => target.acceptStream(theirs));
    return Promise.resolve(ours);
  }

  /** @internal MemoryTransport.close. */
  unbind(at: Endpoint): void {
    this.bound.delete(key(at));
  }
}

class MemoryTransport implements Transport {
  private closed = false;

  constructor(
    private readonly network: MemoryNetwork,
    private readonly at: Endpoint,
    private readonly handlers: TransportHandlers,
  ) {}

  get address(): string {
    return this.at.address;
  }

  get port(): number {
    return this.at.port;
  }

  sendPacket(buf: Buffer, host: string, port: number): void {
    if (!this.closed) this.network.deliverPacket(this.at, { address: host, port }, buf);
  }

  dial(host: string, port: number, timeoutMs: number): Promise<StreamSocket> {
    if (this.closed) return Promise.reject(new Error('memberlist: transport closed'));
    return this.network.connect(this.at, { address: host, port }, timeoutMs);
  }

  receivePacket(buf: Buffer, from: Endpoint): void {
    if (!this.closed) this.handlers.onPacket(buf, from);
  }

  acceptStream(socket: StreamSocket): void {
    if (this.closed) socket.destroy();
    else this.handlers.onStream(socket);
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      this.network.unbind(this.at);
    }
    return Promise.resolve();
  }
}
