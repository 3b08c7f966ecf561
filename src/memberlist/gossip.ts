// Gossip rounds (Go's gossip()): every GossipInterval, and at once for urgent news (suspect, dead,
// refutation), queued broadcasts go to GossipNodes random live or recently dead members.
import { COMPOUND_OVERHEAD, makeCompoundMessages } from './compound';
import type { BroadcastQueue } from './broadcast-queue';
import { NodeStateType } from './messages';
import { Membership, NodeRecord, kRandomNodes } from './membership';
import type { MemberlistLogger } from './options';
import type { MemberlistTimings } from './profiles';

export interface GossipDeps {
  selfName: string;
  timings: MemberlistTimings;
  membership: Membership;
  broadcasts: BroadcastQueue;
  /** Bytes available for broadcasts in one packet. */
  room: () => number;
  send: (node: NodeRecord, msg: Buffer) => void;
  log: MemberlistLogger;
}

export class Gossip {
  private timer: NodeJS.Timeout | undefined;
  private soon = false;
  private stopped = false;

  constructor(private readonly deps: GossipDeps) {}

  start(): void {
    const tick = (): void => {
      if (this.stopped) return;
      this.safeRound();
      this.timer = setTimeout(tick, this.deps.timings.gossipIntervalMs).unref();
    };
    this.timer = setTimeout(tick, Math.random() * this.deps.timings.gossipIntervalMs).unref();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  /** Sends `msg` to `to` now and runs a gossip round on the next turn (coalesced). */
  urgent(msg: Buffer, to?: NodeRecord): void {
    if (this.stopped) return;
    if (to && to.name !== this.deps.selfName) this.deps.send(to, msg);
    if (this.soon) return;
    this.soon = true;
    setImmediate(() => {
      this.soon = false;
      if (!this.stopped) this.safeRound();
    });
  }

  private safeRound(): void {
    try {
      this.round();
    } catch (err) {
      this.deps.log.error({ error: String(err) }, 'memberlist: gossip failed');
    }
  }

  private round(): void {
    const t = this.deps.timings;
    const now = Date.now();
    const targets = kRandomNodes(t.gossipNodes, this.deps.membership.nodes, (n) => {
      if (n.name === this.deps.selfName) return true;
      if (n.state === NodeStateType.Alive || n.state === NodeStateType.Suspect) return false;
      if (n.state === NodeStateType.Dead) return now - n.stateChange > t.gossipToTheDeadTimeMs;
      return true;
    });
    for (const node of targets) {
      const msgs = this.deps.broadcasts.getBroadcasts(COMPOUND_OVERHEAD, this.deps.room());
      const [first] = msgs;
      if (first === undefined) return;
      if (msgs.length === 1) this.deps.send(node, first);
      else for (const c of makeCompoundMessages(msgs)) this.deps.send(node, c);
    }
  }
}
