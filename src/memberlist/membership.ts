// The membership state machine (Go's aliveNode/suspectNode/deadNode/mergeState/refute): incarnations,
// refutation, suspicion timers and the gossip it triggers. No sockets; events go to a callback.
import { bytesToIp } from './address';
import { Awareness } from './awareness';
import { BroadcastQueue } from './broadcast-queue';
import { Alive, DEFAULT_VSN, Dead, NodeStateType, PushNodeState, Suspect, encodeAlive, encodeDead, encodeSuspect } from './messages';
import type { MemberlistTimings } from './profiles';
import { Suspicion, suspicionTimeout } from './suspicion';

/** A member's state, as memberlist reports it. */
export type MemberState = 'alive' | 'suspect' | 'dead' | 'left';
/** The events `Memberlist` emits for members. */
export type MembershipEvent = 'join' | 'update' | 'suspect' | 'alive' | 'dead' | 'left';

/** A member as this node knows it: what a push/pull carries, and when its state last changed. */
export interface NodeRecord extends PushNodeState {
  stateChange: number;
}

/** A node as callers see it. */
export interface MemberInfo {
  /** Member name (MetalLB: the node name). */
  name: string;
  /** Its address. */
  addr: string;
  /** Its gossip port. */
  port: number;
  /** Application metadata it advertises. */
  meta: Buffer;
  /** Its state. */
  state: MemberState;
  /** Its incarnation number (raised to refute suspicion). */
  incarnation: number;
  /** [pmin, pmax, pcur, dmin, dmax, dcur] */
  vsn: number[];
}

const STATE_NAMES: Record<NodeStateType, MemberState> = {
  [NodeStateType.Alive]: 'alive',
  [NodeStateType.Suspect]: 'suspect',
  [NodeStateType.Dead]: 'dead',
  [NodeStateType.Left]: 'left',
};

/** Swaps two entries of `arr` in place (both indexes in range). */
function swap<T>(arr: T[], i: number, j: number): void {
  const a = arr[i];
  const b = arr[j];
  if (a === undefined || b === undefined) return;
  arr[i] = b;
  arr[j] = a;
}

export function memberInfo(n: NodeRecord): MemberInfo {
  return {
    name: n.name,
    addr: bytesToIp(n.addr),
    port: n.port,
    meta: Buffer.from(n.meta ?? []),
    state: STATE_NAMES[n.state],
    incarnation: n.incarnation,
    vsn: [...n.vsn],
  };
}

export interface MembershipDeps {
  selfName: string;
  timings: () => MemberlistTimings;
  broadcasts: BroadcastQueue;
  awareness: Awareness;
  emit: (event: MembershipEvent, node: NodeRecord) => void;
  log: (level: 'debug' | 'info' | 'warn', msg: string, fields?: Record<string, unknown>) => void;
  /** News that should not wait for the next gossip tick: gossip now and also send `msg` to `to`. */
  urgent?: (msg: Buffer, to?: NodeRecord) => void;
}

function fullVsn(v: Buffer): Buffer {
  if (v.length >= 6) return Buffer.from(v.subarray(0, 6));
  const out = Buffer.alloc(6);
  v.copy(out);
  return out;
}

export class Membership {
  /** Probe order (shuffled); includes ourselves and dead nodes until they are reaped. */
  nodes: NodeRecord[] = [];
  readonly byName = new Map<string, NodeRecord>();
  private readonly timers = new Map<string, Suspicion>();
  private incarnation = 0;
  left = false;

  constructor(private readonly deps: MembershipDeps) {}

  get self(): NodeRecord | undefined {
    return this.byName.get(this.deps.selfName);
  }

  nextIncarnation(): number {
    return ++this.incarnation;
  }

  /** Go's estNumNodes: every known node, dead ones included. */
  numNodes(): number {
    return this.nodes.length;
  }

  /** Alive + suspect, as MetalLB counts members. */
  live(): NodeRecord[] {
    return this.nodes.filter((n) => n.state === NodeStateType.Alive || n.state === NodeStateType.Suspect);
  }

  private refute(me: NodeRecord, accusedInc: number, accuser?: string): void {
    let inc = this.nextIncarnation();
    if (accusedInc >= inc) {
      this.incarnation = accusedInc + 1;
      inc = this.incarnation;
    }
    me.incarnation = inc;
    this.deps.awareness.applyDelta(1);
    const a: Alive = { incarnation: inc, node: me.name, addr: me.addr, port: me.port, meta: me.meta, vsn: me.vsn };
    const msg = encodeAlive(a);
    this.deps.broadcasts.queue(me.name, msg);
    // The accuser's suspicion timer is running: tell it first.
    this.deps.urgent?.(msg, accuser === undefined ? undefined : this.byName.get(accuser));
  }

  aliveNode(a: Alive, bootstrap: boolean, onBroadcastDone?: () => void): void {
    const isLocal = a.node === this.deps.selfName;
    if (this.left && isLocal) return;
    if (a.vsn.length >= 3) {
      const [pMin = 0, pMax = 0] = a.vsn;
      if (pMin === 0 || pMax === 0 || pMin > pMax) {
        this.deps.log('warn', 'ignoring alive message with bad protocol versions', { node: a.node });
        return;
      }
    }
    if (a.node === '') return;
    let state = this.byName.get(a.node);
    let updatesNode = false;
    if (!state) {
      state = {
        name: a.node,
        addr: Buffer.from(a.addr),
        port: a.port,
        meta: a.meta,
        incarnation: 0,
        state: NodeStateType.Dead,
        stateChange: Date.now(),
        vsn: fullVsn(a.vsn.length > 5 ? a.vsn : DEFAULT_VSN),
      };
      this.byName.set(a.node, state);
      // Insert at a random position so probe order differs between nodes.
      const offset = Math.floor(Math.random() * (this.nodes.length + 1));
      this.nodes.push(state);
      swap(this.nodes, offset, this.nodes.length - 1);
    } else if (!state.addr.equals(a.addr) || state.port !== a.port) {
      const reclaim = this.deps.timings().deadNodeReclaimTimeMs;
      const canReclaim = reclaim > 0 && Date.now() - state.stateChange > reclaim;
      if (state.state === NodeStateType.Left || (state.state === NodeStateType.Dead && canReclaim)) updatesNode = true;
      else {
        this.deps.log('warn', 'conflicting address for node', { node: a.node, mine: bytesToIp(state.addr), theirs: bytesToIp(a.addr) });
        return;
      }
    }
    if (a.incarnation <= state.incarnation && !isLocal && !updatesNode) return;
    if (a.incarnation < state.incarnation && isLocal) return;
    this.cancelSuspicion(a.node);
    const oldState = state.state;
    const oldMeta = state.meta ?? Buffer.alloc(0);
    if (!bootstrap && isLocal) {
      if (a.incarnation === state.incarnation && (a.meta ?? Buffer.alloc(0)).equals(oldMeta) && a.vsn.equals(state.vsn)) return;
      this.refute(state, a.incarnation);
      this.deps.log('warn', 'refuting an alive message about ourselves', { node: a.node });
    } else {
      this.deps.broadcasts.queue(a.node, encodeAlive(a), onBroadcastDone);
      if (a.vsn.length > 0) state.vsn = fullVsn(a.vsn);
      state.incarnation = a.incarnation;
      state.meta = a.meta;
      state.addr = Buffer.from(a.addr);
      state.port = a.port;
      if (state.state !== NodeStateType.Alive) {
        state.state = NodeStateType.Alive;
        state.stateChange = Date.now();
      }
    }
    if (oldState === NodeStateType.Dead || oldState === NodeStateType.Left) this.deps.emit('join', state);
    else if (!oldMeta.equals(state.meta ?? Buffer.alloc(0))) this.deps.emit('update', state);
    else if (oldState === NodeStateType.Suspect && state.state === NodeStateType.Alive) this.deps.emit('alive', state);
  }

  suspectNode(s: Suspect): void {
    const state = this.byName.get(s.node);
    if (!state || s.incarnation < state.incarnation) return;
    const timer = this.timers.get(s.node);
    if (timer) {
      if (timer.confirm(s.from)) {
        const msg = encodeSuspect(s);
        this.deps.broadcasts.queue(s.node, msg);
        this.deps.urgent?.(msg);
      }
      return;
    }
    if (state.state !== NodeStateType.Alive) return;
    if (state.name === this.deps.selfName) {
      this.refute(state, s.incarnation, s.from);
      this.deps.log('warn', 'refuting a suspect message', { from: s.from });
      return;
    }
    const msg = encodeSuspect(s);
    this.deps.broadcasts.queue(s.node, msg);
    state.incarnation = s.incarnation;
    state.state = NodeStateType.Suspect;
    const changeTime = Date.now();
    state.stateChange = changeTime;
    const t = this.deps.timings();
    let k = t.suspicionMult - 2;
    const n = this.numNodes();
    if (n - 2 < k) k = 0;
    const min = suspicionTimeout(t.suspicionMult, n, t.probeIntervalMs);
    const max = t.suspicionMaxTimeoutMult * min;
    this.timers.set(
      s.node,
      new Suspicion(s.from, k, min, max, (confirmations) => {
        const cur = this.byName.get(s.node);
        if (!cur || cur.state !== NodeStateType.Suspect || cur.stateChange !== changeTime) return;
        this.deps.log('info', 'marking node as failed, suspect timeout reached', { node: s.node, confirmations });
        this.deadNode({ incarnation: cur.incarnation, node: cur.name, from: this.deps.selfName });
      }),
    );
    // The accused hears it at once (it may refute), the others on this gossip round.
    this.deps.urgent?.(msg, state);
    this.deps.emit('suspect', state);
  }

  deadNode(d: Dead, onBroadcastDone?: () => void): void {
    const state = this.byName.get(d.node);
    if (!state || d.incarnation < state.incarnation) return;
    this.cancelSuspicion(d.node);
    if (state.state === NodeStateType.Dead || state.state === NodeStateType.Left) return;
    if (state.name === this.deps.selfName) {
      if (!this.left) {
        this.refute(state, d.incarnation, d.from);
        this.deps.log('warn', 'refuting a dead message', { from: d.from });
        return;
      }
      this.deps.broadcasts.queue(d.node, encodeDead(d), onBroadcastDone);
    } else {
      const msg = encodeDead(d);
      this.deps.broadcasts.queue(d.node, msg);
      this.deps.urgent?.(msg);
    }
    state.incarnation = d.incarnation;
    state.state = d.node === d.from ? NodeStateType.Left : NodeStateType.Dead;
    state.stateChange = Date.now();
    this.deps.emit(state.state === NodeStateType.Left ? 'left' : 'dead', state);
  }

  /** Applies a push/pull peer's view; remote "dead" only makes us suspect (Go's mergeState). */
  mergeState(remote: PushNodeState[]): void {
    for (const r of remote) {
      switch (r.state) {
        case NodeStateType.Alive:
          this.aliveNode({ incarnation: r.incarnation, node: r.name, addr: r.addr, port: r.port, meta: r.meta, vsn: r.vsn }, false);
          break;
        case NodeStateType.Left:
          this.deadNode({ incarnation: r.incarnation, node: r.name, from: r.name });
          break;
        case NodeStateType.Dead:
        case NodeStateType.Suspect:
          this.suspectNode({ incarnation: r.incarnation, node: r.name, from: this.deps.selfName });
          break;
      }
    }
  }

  /** Forgets dead/left nodes older than GossipToTheDeadTime and reshuffles the probe order. */
  resetNodes(): void {
    const cutoff = Date.now() - this.deps.timings().gossipToTheDeadTimeMs;
    const keep: NodeRecord[] = [];
    for (const n of this.nodes) {
      if ((n.state === NodeStateType.Dead || n.state === NodeStateType.Left) && n.stateChange < cutoff && n.name !== this.deps.selfName) {
        this.byName.delete(n.name);
      } else keep.push(n);
    }
    for (let i = keep.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      swap(keep, i, j);
    }
    this.nodes = keep;
  }

  private cancelSuspicion(name: string): void {
    const t = this.timers.get(name);
    if (t) {
      t.cancel();
      this.timers.delete(name);
    }
  }

  shutdown(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }
}

/**
 * Up to k distinct random nodes not excluded by `exclude`. Go's kRandomNodes samples 3n times and
 * can miss the only eligible peer in a small cluster (≈ 2.6 % per call with 3 nodes); sampling
 * from the eligible nodes never does.
 */
export function kRandomNodes(k: number, nodes: NodeRecord[], exclude: (n: NodeRecord) => boolean): NodeRecord[] {
  const eligible = nodes.filter((n) => !exclude(n));
  const count = Math.min(k, eligible.length);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (eligible.length - i));
    swap(eligible, i, j);
  }
  return eligible.slice(0, count);
}
