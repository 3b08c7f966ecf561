// One UDP socket and one TCP listener on the same address and port (memberlist's NetTransport): the production transport.
import { createSocket, RemoteInfo, Socket as UdpSocket } from 'node:dgram';
import { createServer, isIPv6, Server, Socket, connect } from 'node:net';
import type { Transport, TransportHandlers } from './transport';

/** The UDP + TCP transport on real sockets (what `Memberlist` uses unless given another). */
export class NetTransport implements Transport {
  private closed = false;

  private constructor(
    private readonly udp: UdpSocket,
    private readonly tcp: Server,
    /** The bound address. */
    readonly address: string,
    /** The bound port (the real one when 0 was asked). */
    readonly port: number,
  ) {}

  /** Binds UDP and TCP on addr:port; port 0 picks a port free for both (bounded retries). */
  static async bind(address: string, port: number, handlers: TransportHandlers): Promise<NetTransport> {
    const attempts = port === 0 ? 10 : 1;
    let lastErr: unknown;
    for (let i = 0; i < attempts; i++) {
      const tcp = createServer({ noDelay: true }, (s) => handlers.onStream(s));
      try {
        await new Promise<void>((resolve, reject) => {
          tcp.once('error', reject);
          tcp.listen({ host: address, port, exclusive: true }, () => {
            tcp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        lastErr = err;
        tcp.close();
        continue;
      }
      const actualPort = (tcp.address() as { port: number }).port;
      const udp = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', reuseAddr: false });
      try {
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind({ address, port: actualPort, exclusive: true }, () => {
            udp.off('error', reject);
            resolve();
          });
        });
      } catch (err) {
        lastErr = err;
        udp.close();
        await new Promise<void>((r) => tcp.close(() => r()));
        continue;
      }
      const t = new NetTransport(udp, tcp, address, actualPort);
      udp.on('message', (msg: Buffer, rinfo: RemoteInfo) => {
        if (!t.closed) handlers.onPacket(msg, { address: rinfo.address, port: rinfo.port });
      });
      // A send error (e.g. ICMP unreachable) must never crash the node.
      udp.on('error', () => undefined);
      tcp.on('error', () => undefined);
      return t;
    }
    throw lastErr instanceof Error ? lastErr : new Error(`memberlist: cannot bind ${address}:${port}`);
  }

  /** Sends one UDP packet. */
  sendPacket(buf: Buffer, host: string, port: number): void {
    if (this.closed) return;
    this.udp.send(buf, port, host, () => undefined);
  }

  /** Opens a TCP stream, failing after `timeoutMs`. */
  dial(host: string, port: number, timeoutMs: number): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const s = connect({ host, port, noDelay: true });
      // Give up only after one I/O poll: after a stall of ours the connection may be waiting.
      const timer = setTimeout(
        () =>
          setImmediate(() => {
            if (s.connecting) {
              s.destroy();
              reject(new Error(`memberlist: dial ${host}:${port} timed out`));
            }
          }),
        Math.max(1, timeoutMs),
      );
      s.once('connect', () => {
        clearTimeout(timer);
        s.removeAllListeners('error');
        resolve(s);
      });
      s.once('error', (err) => {
        clearTimeout(timer);
        s.destroy();
        reject(err);
      });
    });
  }

  /** Closes both sockets. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([
      new Promise<void>((r) => this.udp.close(() => r())),
      new Promise<void>((r) => this.tcp.close(() => r())),
    ]);
  }
}
