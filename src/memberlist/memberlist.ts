// The Memberlist node: sockets, message dispatch, gossip and push/pull scheduling, join and leave,
// wire-compatible with hashicorp/memberlist (protocol 2, encryption v1).
import { EventEmitter } from 'node:events';
import { bytesToIp, ipToBytes, splitHostPort } from './address';
import { Awareness } from './awareness';
import { BroadcastQueue } from './broadcast-queue';
import { COMPOUND_HEADER_OVERHEAD, COMPOUND_OVERHEAD, makeCompoundMessage } from './compound';
import { Keyring } from './crypto';
import { MemberlistDecodeError } from './errors';
import {
  Alive,
  DEFAULT_VSN,
  MessageType,
  NodeStateType,
  decodeAck,
  decodeAlive,
  decodeDead,
  decodeIndirectPing,
  decodeNack,
  decodePing,
  decodeSuspect,
  encodeAck,
  encodeDead,
} from './messages';
import { DropReason, MemberlistMetrics } from './metrics';
import { MemberInfo, MembershipEvent, Membership, NodeRecord, kRandomNodes, memberInfo } from './membership';
import { MemberlistLogger, MemberlistOptions, ResolvedOptions, resolveOptions } from './options';
import { decodePacket, encodePacket, encryptOverhead, labelOverhead, unpackMessages } from './packet';
import { Gossip } from './gossip';
import { Prober } from './prober';
import type { MemberlistTimings } from './profiles';
import { StreamPeer } from './stream-peer';
import type { PacketSource, Transport } from './transport';

const noopLogger: MemberlistLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** The events of `Memberlist` and their arguments (`memberlist.on('join', (m) => ...)`). */
export interface MemberlistEvents {
  /** A member joined. */
  join: [MemberInfo];
  /** A member changed its metadata or address. */
  update: [MemberInfo];
  /** A member is suspected to have failed. */
  suspect: [MemberInfo];
  /** A suspected member proved alive. */
  alive: [MemberInfo];
  /** A member was declared dead. */
  dead: [MemberInfo];
  /** A member left gracefully. */
  left: [MemberInfo];
  /** dead or left, like Go's NotifyLeave. */
  leave: [MemberInfo];
  /** Every event above, with its name. */
  change: [MembershipEvent, MemberInfo];
}

/** A SWIM/Lifeguard gossip member. Create with `await Memberlist.create(opts)`. */
export class Memberlist extends EventEmitter<MemberlistEvents> {
  /** The encryption keys in use (primary first). */
  readonly keyring: Keyring;
  /** The library's metrics. */
  readonly metrics: MemberlistMetrics;
  private readonly opts: ResolvedOptions;
  private readonly log: MemberlistLogger;
  private readonly awareness: Awareness;
  private readonly broadcasts: BroadcastQueue;
  private readonly membership: Membership;
  private transport!: Transport;
  private prober!: Prober;
  private gossip!: Gossip;
  private pushPullTimer: NodeJS.Timeout | undefined;
  private streams!: StreamPeer;
  private stopped = false;
  private advertise!: { addr: Buffer; host: string; port: number };

  private constructor(options: MemberlistOptions) {
    super();
    this.opts = resolveOptions(options);
    this.keyring = this.opts.keyring;
    this.log = options.logger ?? noopLogger;
    this.metrics = new MemberlistMetrics(options.registry);
    this.keyring.onDecrypt = (primary) => this.metrics.decrypt(primary);
    this.awareness = new Awareness(this.opts.timings.awarenessMaxMultiplier);
    this.broadcasts = new BroadcastQueue(
      () => this.opts.timings.retransmitMult,
      () => this.membership.numNodes(),
    );
    this.membership = new Membership({
      selfName: this.opts.name,
      timings: () => this.opts.timings,
      broadcasts: this.broadcasts,
      awareness: this.awareness,
      emit: (ev, rec) => this.onMembershipEvent(ev, rec),
      log: (level, msg, fields) => this.log[level]({ ...fields }, msg),
      urgent: (msg, to) => this.gossip?.urgent(msg, to),
    });
  }

  /** Binds, marks itself alive and starts probing, gossiping and push/pull. Does not join. */
  static async create(options: MemberlistOptions): Promise<Memberlist> {
    const m = new Memberlist(options);
    await m.start();
    return m;
  }

  private async start(): Promise<void> {
    const host = this.opts.advertiseAddr ?? this.opts.bindAddr;
    if (host === '0.0.0.0' || host === '::') throw new Error('memberlist: set advertiseAddr when binding a wildcard address');
    const advertiseAddr = ipToBytes(host);
    this.transport = await this.opts.transport(this.opts.bindAddr, this.opts.bindPort, {
      onPacket: (buf, from) => {
        if (this.prober) this.ingestPacket(buf, from);
      },
      onStream: (s) => {
        if (this.streams && this.prober) void this.streams.handleStream(s);
        else s.destroy();
      },
    });
    this.advertise = { addr: advertiseAddr, host, port: this.opts.advertisePort ?? this.transport.port };
    this.streams = new StreamPeer({
      selfName: this.opts.name,
      bindPort: this.opts.bindPort,
      compression: this.opts.compression,
      timings: this.opts.timings,
      membership: this.membership,
      transport: this.transport,
      security: () => this.security(),
      drop: (reason, from, err) => this.drop(reason, from, err),
      checkAlive: (a) => this.checkAlive(a),
    });
    this.gossip = new Gossip({
      selfName: this.opts.name,
      timings: this.opts.timings,
      membership: this.membership,
      broadcasts: this.broadcasts,
      room: () => this.opts.timings.udpBufferSize - COMPOUND_HEADER_OVERHEAD - labelOverhead(this.opts.label) - encryptOverhead(this.security()),
      send: (node, msg) => this.rawSendPacket(bytesToIp(node.addr), node.port, msg, node),
      log: this.log,
    });
    this.prober = new Prober({
      selfName: this.opts.name,
      timings: this.opts.timings,
      tcpPings: this.opts.tcpPings,
      membership: this.membership,
      awareness: this.awareness,
      advertise: () => this.advertise,
      sendMsg: (host, port, msg) => this.sendMsg(host, port, msg),
      sendRaw: (host, port, msg, node) => this.rawSendPacket(host, port, msg, node),
      tcpPing: (host, port, msg, seqNo, deadline) => this.streams.tcpPing(host, port, msg, seqNo, deadline),
      log: this.log,
    });
    this.membership.aliveNode(
      {
        incarnation: this.membership.nextIncarnation(),
        node: this.opts.name,
        addr: this.advertise.addr,
        port: this.advertise.port,
        meta: this.opts.meta.length > 0 ? this.opts.meta : null,
        vsn: DEFAULT_VSN,
      },
      true,
    );
    this.schedule();
  }

  // ---------------------------------------------------------------- public API

  /** This member's name. */
  get name(): string {
    return this.opts.name;
  }

  /** The bound UDP/TCP port (useful with bindPort 0). */
  get port(): number {
    return this.transport.port;
  }

  /** The protocol timings in force. */
  get timings(): Readonly<MemberlistTimings> {
    return this.opts.timings;
  }

  /** Alive and suspect members, ourselves included (what MetalLB uses for layer2 ownership). */
  members(): MemberInfo[] {
    return this.membership.live().map(memberInfo);
  }

  /** Every known node, dead and left ones included until they are reaped. */
  allNodes(): MemberInfo[] {
    return this.membership.nodes.map(memberInfo);
  }

  /** This member as the others see it (undefined before start). */
  localNode(): MemberInfo | undefined {
    const self = this.membership.self;
    return self ? memberInfo(self) : undefined;
  }

  /** Lifeguard health score (0 = healthy). */
  healthScore(): number {
    return this.awareness.healthScore();
  }

  /** Joins through the given ADDR:PORT peers (TCP push/pull); resolves how many answered. */
  async join(peers: string[]): Promise<number> {
    const results = await Promise.allSettled(
      peers.map((p) => {
        const { host, port } = splitHostPort(p);
        return this.streams.pushPullNode(host, port, true);
      }),
    );
    const ok = results.filter((r) => r.status === 'fulfilled').length;
    const errors = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error)?.message ?? r.reason)] : []));
    if (errors.length > 0) this.log.warn({ errors }, 'memberlist: join failures');
    if (ok === 0 && peers.length > 0) throw new Error(`memberlist: failed to join any of ${peers.join(', ')}: ${errors.join('; ')}`);
    return ok;
  }

  /** Changes our metadata and gossips it (others see an `update`). */
  updateMeta(meta: Buffer): void {
    const self = this.membership.self;
    if (!self) return;
    this.opts.meta = Buffer.from(meta);
    this.membership.aliveNode(
      { incarnation: this.membership.nextIncarnation(), node: self.name, addr: self.addr, port: self.port, meta, vsn: self.vsn },
      true,
    );
  }

  /** Gossips that we leave and waits (at most `timeoutMs`) for the news to go out. Keeps running. */
  async leave(timeoutMs = 1000): Promise<void> {
    if (this.membership.left || this.stopped) return;
    this.membership.left = true;
    const self = this.membership.self;
    if (!self) return;
    const others = this.membership.live().filter((n) => n.name !== self.name);
    const d = { incarnation: self.incarnation, node: self.name, from: self.name };
    let done!: () => void;
    const finished = new Promise<void>((r) => (done = r));
    this.membership.deadNode(d, () => done());
    if (others.length === 0) return;
    // Also tell every live member directly: one packet each makes a graceful leave fast to notice.
    const msg = encodeDead(d);
    for (const n of others) this.rawSendPacket(bytesToIp(n.addr), n.port, msg, n);
    await Promise.race([finished, this.sleep(timeoutMs)]);
  }

  /** Stops timers and closes sockets (call leave() first for a graceful exit). */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.gossip?.stop();
    clearTimeout(this.pushPullTimer);
    this.prober?.stop();
    this.membership.shutdown();
    await this.transport?.close();
  }

  // ---------------------------------------------------------------- scheduling

  private sleep(ms: number): Promise<void> {
    return new Promise((r) => {
      const t = setTimeout(r, ms);
      t.unref?.();
    });
  }

  private schedule(): void {
    const t = this.opts.timings;
    this.prober.start();
    this.gossip.start();
    const pushPull = (): void => {
      if (this.stopped) return;
      void this.pushPullRandom();
      const n = this.membership.numNodes();
      // Go's pushPullScale: slower anti-entropy beyond 32 nodes.
      const scale = n <= 32 ? 1 : Math.ceil(Math.log2(n) - Math.log2(32)) + 1;
      this.pushPullTimer = setTimeout(pushPull, t.pushPullIntervalMs * scale).unref();
    };
    this.pushPullTimer = setTimeout(pushPull, Math.random() * t.pushPullIntervalMs).unref();
  }

  private async pushPullRandom(): Promise<void> {
    const [node] = kRandomNodes(1, this.membership.nodes, (n) => n.name === this.opts.name || n.state !== NodeStateType.Alive);
    if (!node) return;
    try {
      await this.streams.pushPullNode(bytesToIp(node.addr), node.port, false);
    } catch (err) {
      this.log.debug({ node: node.name, error: String(err) }, 'memberlist: push/pull failed');
    }
  }

  // ---------------------------------------------------------------- sending

  private security(): { keyring: Keyring; label: string } {
    return { keyring: this.keyring, label: this.opts.label };
  }

  /** Sends one message, piggybacking queued broadcasts (Go's sendMsg). */
  private sendMsg(host: string, port: number, msg: Buffer): void {
    const avail =
      this.opts.timings.udpBufferSize - msg.length - COMPOUND_HEADER_OVERHEAD - labelOverhead(this.opts.label) - encryptOverhead(this.security());
    const extra = this.broadcasts.getBroadcasts(COMPOUND_OVERHEAD, avail);
    const out = extra.length === 0 ? msg : makeCompoundMessage([msg, ...extra.slice(0, 254)]);
    this.rawSendPacket(host, port, out);
  }

  private rawSendPacket(host: string, port: number, msg: Buffer, node?: NodeRecord): void {
    if (this.stopped || !host) return;
    const crc = node !== undefined && (node.vsn[1] ?? 0) >= 5;
    const pkt = encodePacket(msg, { ...this.security(), compress: this.opts.compression, crc });
    this.transport.sendPacket(pkt, host, port);
  }

  // ---------------------------------------------------------------- receiving (UDP)

  private drop(reason: DropReason, from: string, err?: unknown): void {
    this.metrics.drop(reason);
    this.log.debug({ from, reason, error: err ? String((err as Error).message ?? err) : undefined }, 'memberlist: dropped packet');
  }

  private ingestPacket(buf: Buffer, from: PacketSource): void {
    const src = `${from.address}:${from.port}`;
    let messages: Buffer[];
    try {
      const plain = decodePacket(buf, this.security());
      const unpacked = unpackMessages(plain);
      if (unpacked.truncated > 0) this.drop('truncated', src);
      messages = unpacked.messages;
    } catch (err) {
      this.drop(err instanceof MemberlistDecodeError ? err.reason : 'malformed', src, err);
      return;
    }
    for (const m of messages) {
      try {
        this.handleMessage(m, from);
      } catch (err) {
        this.drop(err instanceof MemberlistDecodeError ? err.reason : 'malformed', src, err);
      }
    }
  }

  private handleMessage(msg: Buffer, from: PacketSource): void {
    const body = msg.subarray(1);
    switch (msg[0]) {
      case MessageType.Ping: {
        const p = decodePing(body);
        if (p.node !== '' && p.node !== this.opts.name) {
          this.drop('wrong-node', `${from.address}:${from.port}`);
          return;
        }
        const to = p.sourceAddr && p.sourcePort ? { host: bytesToIp(p.sourceAddr), port: p.sourcePort } : { host: from.address, port: from.port };
        this.sendMsg(to.host, to.port, encodeAck({ seqNo: p.seqNo, payload: null }));
        return;
      }
      case MessageType.IndirectPing:
        this.prober.handleIndirectPing(decodeIndirectPing(body), from, this.opts.bindPort);
        return;
      case MessageType.Ack:
        this.prober.handleAck(decodeAck(body));
        return;
      case MessageType.Nack:
        this.prober.handleNack(decodeNack(body));
        return;
      case MessageType.Suspect:
        this.membership.suspectNode(decodeSuspect(body));
        return;
      case MessageType.Alive: {
        const a = decodeAlive(body);
        this.checkAlive(a);
        this.membership.aliveNode(a, false);
        return;
      }
      case MessageType.Dead:
        this.membership.deadNode(decodeDead(body));
        return;
      case MessageType.User:
        return;
      default:
        throw new MemberlistDecodeError('unknown-type', `message type ${msg[0]}`);
    }
  }

  /** Rejects alive news we could never use (bad address or name) before it touches state. */
  private checkAlive(a: Alive): void {
    if (a.addr.length !== 4 && a.addr.length !== 16) throw new MemberlistDecodeError('malformed', 'alive: bad address length');
    if (a.node === '') throw new MemberlistDecodeError('malformed', 'alive: empty node name');
    if (a.port === 0) a.port = this.opts.bindPort;
  }

  // ---------------------------------------------------------------- events

  private onMembershipEvent(ev: MembershipEvent, rec: NodeRecord): void {
    const info = memberInfo(rec);
    this.log.info({ event: ev, node: info.name, addr: `${info.addr}:${info.port}`, incarnation: info.incarnation }, `memberlist: ${ev}`);
    const counts: Record<string, number> = { alive: 0, suspect: 0, dead: 0, left: 0 };
    for (const n of this.membership.nodes) {
      const state = memberInfo(n).state;
      counts[state] = (counts[state] ?? 0) + 1;
    }
    this.metrics.setMembers(counts);
    // A throwing listener must not break the protocol (this often runs inside a timer).
    try {
      this.emit(ev, info);
      if (ev === 'dead' || ev === 'left') this.emit('leave', info);
      this.emit('change', ev, info);
    } catch (err) {
      this.log.error({ event: ev, error: String(err) }, 'memberlist: event listener threw');
    }
  }
}
