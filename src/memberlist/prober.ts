// SWIM failure detection: round-robin probes, indirect probes with nacks, TCP fallback, and the
// Lifeguard awareness adjustments (Go's probe/probeNode/handleIndirectPing).
import { bytesToIp } from './address';
import { Awareness } from './awareness';
import { makeCompoundMessage } from './compound';
import { Ack, IndirectPing, Nack, NodeStateType, encodeAck, encodeIndirectPing, encodeNack, encodePing, encodeSuspect } from './messages';
import { Membership, NodeRecord, kRandomNodes } from './membership';
import type { MemberlistLogger } from './options';
import type { MemberlistTimings } from './profiles';
import { STALL_MS } from './suspicion';
import type { TcpPingResult } from './stream-peer';
import type { PacketSource } from './transport';

export interface ProberDeps {
  selfName: string;
  timings: MemberlistTimings;
  tcpPings: boolean;
  membership: Membership;
  awareness: Awareness;
  advertise: () => { addr: Buffer; host: string; port: number };
  sendMsg: (host: string, port: number, msg: Buffer) => void;
  sendRaw: (host: string, port: number, msg: Buffer, node?: NodeRecord) => void;
  tcpPing: (host: string, port: number, msg: Buffer, seqNo: number, deadline: number) => Promise<TcpPingResult>;
  log: MemberlistLogger;
}

interface AckHandler {
  onAck: (ack: Ack) => void;
  onNack: () => void;
  timer: NodeJS.Timeout;
}

export class Prober {
  private seqNo = 0;
  private probeIndex = 0;
  private readonly handlers = new Map<number, AckHandler>();
  /** Nodes that accepted TCP pings without answering, since when (see excused()). */
  private readonly slowSince = new Map<string, number>();
  private stopped = false;
  private loopTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ProberDeps) {}

  nextSeqNo(): number {
    this.seqNo = (this.seqNo + 1) >>> 0;
    return this.seqNo;
  }

  start(): void {
    const interval = this.deps.timings.probeIntervalMs;
    const loop = async (): Promise<void> => {
      const started = Date.now();
      try {
        await this.probe();
      } catch (err) {
        this.deps.log.error({ error: String(err) }, 'memberlist: probe failed');
      }
      if (this.stopped) return;
      // Like Go's ticker: the next probe starts on the next tick after this one finished.
      const elapsed = Date.now() - started;
      const wait = elapsed >= interval ? interval - (elapsed % interval) : interval - elapsed;
      this.loopTimer = setTimeout(() => void loop(), wait).unref();
    };
    this.loopTimer = setTimeout(() => void loop(), Math.random() * interval).unref();
  }

  stop(): void {
    this.stopped = true;
    if (this.loopTimer) clearTimeout(this.loopTimer);
    for (const h of this.handlers.values()) clearTimeout(h.timer);
    this.handlers.clear();
    this.slowSince.clear();
  }

  private setAckHandler(seqNo: number, h: Omit<AckHandler, 'timer'>, timeoutMs: number): void {
    // Expire after one I/O poll too, so an ack that arrived during a stall still finds its handler.
    const timer = setTimeout(() => setImmediate(() => this.handlers.delete(seqNo)), timeoutMs).unref();
    this.handlers.set(seqNo, { ...h, timer });
  }

  handleAck(ack: Ack): void {
    const h = this.handlers.get(ack.seqNo);
    if (!h) return;
    clearTimeout(h.timer);
    this.handlers.delete(ack.seqNo);
    h.onAck(ack);
  }

  handleNack(nack: Nack): void {
    this.handlers.get(nack.seqNo)?.onNack();
  }

  /** Picks the next node round-robin (skipping ourselves and dead nodes) and probes it. */
  private async probe(): Promise<void> {
    const m = this.deps.membership;
    for (let checked = 0; checked <= m.nodes.length; ) {
      if (this.probeIndex >= m.nodes.length) {
        m.resetNodes();
        this.probeIndex = 0;
        checked++;
        continue;
      }
      const node = m.nodes[this.probeIndex++];
      if (node === undefined || node.name === this.deps.selfName || node.state === NodeStateType.Dead || node.state === NodeStateType.Left) {
        checked++;
        continue;
      }
      await this.probeNode({ ...node });
      return;
    }
  }

  /** The ack handler lives until the probe decides: an ack read late (after a stall of ours) still counts. */
  private async probeNode(node: NodeRecord): Promise<void> {
    const seqNo = this.nextSeqNo();
    try {
      await this.probeNodeWith(node, seqNo);
    } finally {
      const h = this.handlers.get(seqNo);
      if (h) clearTimeout(h.timer);
      this.handlers.delete(seqNo);
    }
  }

  private async probeNodeWith(node: NodeRecord, seqNo: number): Promise<void> {
    const t = this.deps.timings;
    const probeInterval = this.deps.awareness.scaleTimeout(t.probeIntervalMs);
    const self = this.deps.advertise();
    const ping = { seqNo, node: node.name, sourceAddr: self.addr, sourcePort: self.port, sourceNode: this.deps.selfName };
    let acked = false;
    let refused = false;
    let nacks = 0;
    let wake: (() => void) | undefined;
    this.setAckHandler(
      seqNo,
      {
        onAck: () => {
          acked = true;
          wake?.();
        },
        onNack: () => nacks++,
      },
      // Only a bound: probeNode removes it once the probe has decided (after any stall extension).
      10 * probeInterval,
    );
    // On timeout, decide only after one I/O poll: after an event-loop stall the timer phase runs
    // before the poll phase, so an ack already waiting in the socket would otherwise be missed.
    const waitUntil = (deadline: number): Promise<void> =>
      new Promise((resolve) => {
        if (acked || refused || this.stopped) return resolve();
        const timer = setTimeout(() => setImmediate(done), Math.max(0, deadline - Date.now()));
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        wake = done;
      });
    const sent = Date.now();
    const deadline = sent + probeInterval;
    const host = bytesToIp(node.addr);
    if (node.state === NodeStateType.Alive) {
      this.deps.sendMsg(host, node.port, encodePing(ping));
    } else {
      // A suspect node learns of the accusation with the ping, so it can refute quickly.
      const suspect = encodeSuspect({ incarnation: node.incarnation, node: node.name, from: this.deps.selfName });
      this.deps.sendRaw(host, node.port, makeCompoundMessage([encodePing(ping), suspect]), node);
    }
    await waitUntil(sent + t.probeTimeoutMs);
    if (acked) {
      this.slowSince.delete(node.name);
      return this.deps.awareness.applyDelta(-1);
    }
    if (this.stopped) return;

    // Indirect probes through k random alive peers, plus a TCP ping in parallel.
    const peers = kRandomNodes(t.indirectChecks, this.deps.membership.nodes, (n) => n.name === this.deps.selfName || n.name === node.name || n.state !== NodeStateType.Alive);
    let expectedNacks = 0;
    for (const peer of peers) {
      const nack = (peer.vsn[1] ?? 0) >= 4;
      if (nack) expectedNacks++;
      const ind: IndirectPing = {
        seqNo,
        target: node.addr,
        port: node.port,
        node: node.name,
        nack,
        sourceAddr: self.addr,
        sourcePort: self.port,
        sourceNode: this.deps.selfName,
      };
      this.deps.sendMsg(bytesToIp(peer.addr), peer.port, encodeIndirectPing(ind));
    }
    let tcp: Promise<TcpPingResult | 'failed'> = Promise.resolve('failed');
    if (this.deps.tcpPings && (node.vsn[1] ?? 0) >= 3) {
      tcp = this.deps.tcpPing(host, node.port, encodePing(ping), seqNo, deadline).catch((err: unknown) => {
        // A refused connection is the node's host saying nothing listens on the port: its
        // memberlist is gone (it always listens on TCP too), no need to wait for indirect acks.
        if ((err as NodeJS.ErrnoException).code === 'ECONNREFUSED') {
          refused = true;
          wake?.();
        }
        return 'failed' as const;
      });
    }
    await waitUntil(deadline);
    const late = Date.now() - deadline;
    if (!acked && !refused && late > STALL_MS && !this.stopped) {
      // We were not running at the deadline: on a starved machine the target may not have been
      // either. Count it against our own health and give the ack as long again.
      this.deps.awareness.applyDelta(1);
      await waitUntil(Date.now() + Math.min(late, probeInterval));
    }
    if (acked) {
      this.slowSince.delete(node.name);
      return this.deps.awareness.applyDelta(-1);
    }
    const tcpResult = await tcp;
    if (tcpResult === 'ack') {
      this.slowSince.delete(node.name);
      this.deps.log.warn({ node: node.name }, 'memberlist: reached node over TCP but UDP probes failed; network may be misconfigured');
      return this.deps.awareness.applyDelta(-1);
    }
    if (tcpResult === 'connected' && this.excused(node.name)) {
      this.deps.log.debug({ node: node.name }, 'memberlist: node accepts TCP but does not answer; not suspecting it yet');
      return;
    }
    this.slowSince.delete(node.name);
    if (this.stopped) return;
    // Lifeguard: missing nacks hint that we are the slow one; a refusal proves our network works.
    if (!refused) this.deps.awareness.applyDelta(expectedNacks > 0 ? Math.max(0, expectedNacks - nacks) : 1);
    this.deps.log.info({ node: node.name }, 'memberlist: suspect node has failed, no acks received');
    this.deps.membership.suspectNode({ incarnation: node.incarnation, node: node.name, from: this.deps.selfName });
  }

  /**
   * A node whose host accepts our TCP ping but which does not answer is alive but stalled (a
   * killed one refuses, a dead host does not answer at all): it is not suspected for up to
   * stalledNodeGraceMs, so a CPU-starved node is not declared dead while it cannot reply.
   */
  private excused(name: string): boolean {
    const now = Date.now();
    const since = this.slowSince.get(name) ?? now;
    this.slowSince.set(name, since);
    return now - since < this.deps.timings.stalledNodeGraceMs;
  }

  /** Pings `ind.target` for a peer and relays the ack (or a nack after ProbeTimeout). */
  handleIndirectPing(ind: IndirectPing, from: PacketSource, defaultPort: number): void {
    const port = ind.port === 0 ? defaultPort : ind.port;
    const self = this.deps.advertise();
    const localSeq = this.nextSeqNo();
    const reply = ind.sourceAddr && ind.sourcePort ? { host: bytesToIp(ind.sourceAddr), port: ind.sourcePort } : { host: from.address, port: from.port };
    let answered = false;
    this.setAckHandler(
      localSeq,
      {
        onAck: () => {
          answered = true;
          this.deps.sendMsg(reply.host, reply.port, encodeAck({ seqNo: ind.seqNo, payload: null }));
        },
        onNack: () => undefined,
      },
      this.deps.timings.probeTimeoutMs,
    );
    const target = bytesToIp(ind.target);
    if (!target) return;
    this.deps.sendMsg(target, port, encodePing({ seqNo: localSeq, node: ind.node, sourceAddr: self.addr, sourcePort: self.port, sourceNode: this.deps.selfName }));
    if (ind.nack) {
      setTimeout(() => {
        if (!answered && !this.stopped) this.deps.sendMsg(reply.host, reply.port, encodeNack({ seqNo: ind.seqNo }));
      }, this.deps.timings.probeTimeoutMs).unref();
    }
  }
}
