// TCP streams: push/pull state exchange (join and anti-entropy) and the TCP ping fallback, both as
// opener and as listener (Go's handleConn / sendAndReceiveState / sendPingAndWaitForAck).
import type { Keyring } from './crypto';
import { MemberlistDecodeError } from './errors';
import { Alive, MessageType, NodeStateType, PushNodeState, encodeAck, encodeErr, encodePushPull } from './messages';
import type { DropReason } from './metrics';
import type { Membership } from './membership';
import type { MemberlistTimings } from './profiles';
import { encodeStreamMessage, streamOpening } from './stream';
import { readStreamMessage, writeAll } from './stream-io';
import type { StreamSocket, Transport } from './transport';

const MAX_CONCURRENT_STREAMS = 128;

export type TcpPingResult = 'ack' | 'connected';

export interface StreamPeerDeps {
  selfName: string;
  bindPort: number;
  compression: boolean;
  timings: MemberlistTimings;
  membership: Membership;
  transport: Transport;
  security: () => { keyring: Keyring; label: string };
  drop: (reason: DropReason, from: string, err?: unknown) => void;
  /** Throws MemberlistDecodeError for alive news that must not touch state. */
  checkAlive: (a: Alive) => void;
}

export class StreamPeer {
  private inFlight = 0;

  constructor(private readonly deps: StreamPeerDeps) {}

  private localState(join: boolean): Buffer {
    const nodes: PushNodeState[] = this.deps.membership.nodes.map((n) => ({
      name: n.name,
      addr: n.addr,
      port: n.port,
      meta: n.meta,
      incarnation: n.incarnation,
      state: n.state,
      vsn: n.vsn,
    }));
    return encodePushPull({ join, nodes, userState: Buffer.alloc(0) });
  }

  private mergeRemote(nodes: PushNodeState[]): void {
    for (const n of nodes) {
      if (n.state === NodeStateType.Alive) this.deps.checkAlive({ ...n, node: n.name });
    }
    this.deps.membership.mergeState(nodes.map((n) => (n.port === 0 ? { ...n, port: this.deps.bindPort } : n)));
  }

  async handleStream(socket: StreamSocket): Promise<void> {
    const src = `${socket.remoteAddress}:${socket.remotePort}`;
    socket.on('error', () => undefined);
    const timeout = this.deps.timings.tcpTimeoutMs;
    const timer = setTimeout(() => socket.destroy(), timeout).unref();
    this.inFlight++;
    try {
      if (this.inFlight > MAX_CONCURRENT_STREAMS) return;
      let msg;
      try {
        msg = await readStreamMessage(socket, this.deps.security(), { timeoutMs: timeout, expectLabel: true });
      } catch (err) {
        if (err instanceof MemberlistDecodeError) {
          this.deps.drop(err.reason, src, err);
          if (err.reason !== 'label' && err.reason !== 'decrypt') {
            await writeAll(socket, encodeStreamMessage(encodeErr({ error: err.message }), this.deps.security(), this.deps.compression));
          }
        }
        return;
      }
      switch (msg.type) {
        case MessageType.PushPull: {
          const state = msg.value;
          for (const n of state.nodes) if (n.state === NodeStateType.Alive) this.deps.checkAlive({ ...n, node: n.name });
          await writeAll(socket, encodeStreamMessage(this.localState(state.join), this.deps.security(), this.deps.compression));
          this.mergeRemote(state.nodes);
          return;
        }
        case MessageType.Ping: {
          if (msg.value.node !== '' && msg.value.node !== this.deps.selfName) {
            this.deps.drop('wrong-node', src);
            return;
          }
          await writeAll(socket, encodeStreamMessage(encodeAck({ seqNo: msg.value.seqNo, payload: null }), this.deps.security(), this.deps.compression));
          return;
        }
        default:
          this.deps.drop('unknown-type', src);
      }
    } catch (err) {
      this.deps.drop(err instanceof MemberlistDecodeError ? err.reason : 'malformed', src, err);
    } finally {
      this.inFlight--;
      clearTimeout(timer);
      socket.end();
      setTimeout(() => socket.destroy(), 1000).unref();
    }
  }

  /** Exchanges full state with a peer over TCP and merges its view (join and anti-entropy). */
  async pushPullNode(host: string, port: number, join: boolean): Promise<void> {
    const timeout = this.deps.timings.tcpTimeoutMs;
    const socket = await this.deps.transport.dial(host, port, timeout);
    socket.on('error', () => undefined);
    try {
      await writeAll(socket, Buffer.concat([streamOpening(this.deps.security().label), encodeStreamMessage(this.localState(join), this.deps.security(), this.deps.compression)]));
      let msg;
      try {
        msg = await readStreamMessage(socket, this.deps.security(), { timeoutMs: timeout, expectLabel: false });
      } catch (err) {
        if (err instanceof MemberlistDecodeError) this.deps.drop(err.reason, `${host}:${port}`, err);
        throw err;
      }
      if (msg.type === MessageType.Err) throw new Error(`remote error: ${msg.value.error}`);
      if (msg.type !== MessageType.PushPull) throw new Error(`unexpected stream message type ${msg.type}`);
      this.mergeRemote(msg.value.nodes);
    } finally {
      socket.destroy();
    }
  }

  /**
   * TCP ping fallback: 'ack' when the node acked our ping before the deadline, 'connected' when its
   * host accepted the connection (the node still holds its listening socket) but no ack came.
   * Rejects when the connection fails (ECONNREFUSED: nothing listens there any more).
   */
  async tcpPing(host: string, port: number, ping: Buffer, seqNo: number, deadline: number): Promise<TcpPingResult> {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error('memberlist: no time left for a TCP ping');
    const socket = await this.deps.transport.dial(host, port, left);
    socket.on('error', () => undefined);
    try {
      await writeAll(socket, Buffer.concat([streamOpening(this.deps.security().label), encodeStreamMessage(ping, this.deps.security(), this.deps.compression)]));
      const msg = await readStreamMessage(socket, this.deps.security(), { timeoutMs: Math.max(1, deadline - Date.now()), expectLabel: false });
      return msg.type === MessageType.Ack && msg.value.seqNo === seqNo ? 'ack' : 'connected';
    } catch {
      return 'connected';
    } finally {
      socket.destroy();
    }
  }
}
