// A scripted BGP peer on 127.0.0.1 for session tests: records what the speaker sends, replies as told.
import * as net from 'node:net';
import {
  MessageFramer,
  decodeMessage,
  encodeKeepalive,
  encodeOpenMessage,
  makeOpen,
  type BgpMessage,
} from '../../../plugins/bgp/codec';

export interface PeerConnection {
  socket: net.Socket;
  messages: BgpMessage[];
  raw: Buffer[];
  send(b: Buffer): void;
  /** Resolves with the first message (from the start) matching `pred`, or rejects after `ms`. */
  waitFor(pred: (m: BgpMessage) => boolean, ms?: number): Promise<BgpMessage>;
  closed: Promise<void>;
}

export class FakePeer {
  readonly server: net.Server;
  readonly connections: PeerConnection[] = [];
  private waiters: Array<(c: PeerConnection) => void> = [];

  /** `onConnect` scripts the peer; the default answers OPEN + KEEPALIVE (AS `asn`, hold `hold`). */
  constructor(
    private readonly opts: { asn: number; hold?: number; routerId?: string; afis?: Array<{ afi: number; safi: number }>; asn4?: boolean; onConnect?: (c: PeerConnection) => void } = { asn: 65000 },
  ) {
    this.server = net.createServer((socket) => this.accept(socket));
  }

  async listen(host = '127.0.0.1'): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, host, resolve));
    return (this.server.address() as net.AddressInfo).port;
  }

  static defaultOpen(o: { asn: number; hold?: number; routerId?: string; afis?: Array<{ afi: number; safi: number }>; asn4?: boolean }): Buffer {
    const open = makeOpen({ asn: o.asn, holdTime: o.hold ?? 90, bgpId: o.routerId ?? '10.9.9.9', afis: o.afis ?? [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }] });
    if (o.asn4 === false) open.capabilities = open.capabilities.filter((c) => c.code !== 65);
    return encodeOpenMessage(open);
  }

  private accept(socket: net.Socket): void {
    const framer = new MessageFramer();
    const listeners: Array<() => void> = [];
    const c: PeerConnection = {
      socket,
      messages: [],
      raw: [],
      send: (b) => {
        if (!socket.destroyed) socket.write(b);
      },
      waitFor: (pred, ms = 5000) =>
        new Promise((resolve, reject) => {
          const check = () => {
            const m = c.messages.find(pred);
            if (m) {
              clearTimeout(t);
              resolve(m);
              return true;
            }
            return false;
          };
          const t = setTimeout(() => reject(new Error(`timed out; got ${c.messages.map((m) => m.type).join(',')}`)), ms);
          if (!check()) listeners.push(() => void check());
        }),
      closed: new Promise((resolve) => socket.on('close', () => resolve())),
    };
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      try {
        for (const m of framer.push(chunk)) {
          c.raw.push(Buffer.from(m));
          c.messages.push(decodeMessage(m, { asn4: this.opts.asn4 !== false }));
        }
      } catch {
        socket.destroy();
      }
      for (const l of listeners) l();
    });
    this.connections.push(c);
    if (this.opts.onConnect) this.opts.onConnect(c);
    else {
      c.send(FakePeer.defaultOpen(this.opts));
      c.send(encodeKeepalive());
    }
    for (const w of this.waiters.splice(0)) w(c);
  }

  nextConnection(ms = 5000): Promise<PeerConnection> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no connection')), ms);
      this.waiters.push((c) => {
        clearTimeout(t);
        resolve(c);
      });
    });
  }

  async close(): Promise<void> {
    for (const c of this.connections) c.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
