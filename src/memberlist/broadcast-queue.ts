// Gossip broadcasts with retransmit limits (Go's TransmitLimitedQueue): newer news about a node
// replaces older, least-sent first, each sent RetransmitMult × ceil(log10(n+1)) times.

interface QueuedBroadcast {
  name: string | undefined;
  msg: Buffer;
  transmits: number;
  id: number;
  onFinished?: () => void;
}

export function retransmitLimit(mult: number, n: number): number {
  return mult * Math.ceil(Math.log10(n + 1));
}

export class BroadcastQueue {
  private items: QueuedBroadcast[] = [];
  private nextId = 0;

  constructor(
    private readonly retransmitMult: () => number,
    private readonly numNodes: () => number,
  ) {}

  /** Queues a message; a named one invalidates queued messages with the same name (node). */
  queue(name: string | undefined, msg: Buffer, onFinished?: () => void): void {
    if (name !== undefined) {
      const kept: QueuedBroadcast[] = [];
      for (const it of this.items) {
        if (it.name === name) it.onFinished?.();
        else kept.push(it);
      }
      this.items = kept;
    }
    this.items.push({ name, msg, transmits: 0, id: this.nextId++, onFinished });
  }

  /** Takes messages fitting in `limit` bytes (each costing `overhead` more), counting a transmit. */
  getBroadcasts(overhead: number, limit: number): Buffer[] {
    if (this.items.length === 0) return [];
    const max = retransmitLimit(this.retransmitMult(), this.numNodes());
    this.items.sort((a, b) => a.transmits - b.transmits || b.id - a.id);
    const out: Buffer[] = [];
    let used = 0;
    const done: QueuedBroadcast[] = [];
    for (const it of this.items) {
      const cost = overhead + it.msg.length;
      if (used + cost > limit) continue;
      used += cost;
      out.push(it.msg);
      it.transmits++;
      if (it.transmits >= max) done.push(it);
    }
    if (done.length > 0) {
      this.items = this.items.filter((it) => !done.includes(it));
      for (const it of done) it.onFinished?.();
    }
    return out;
  }

  get length(): number {
    return this.items.length;
  }

  reset(): void {
    this.items = [];
  }
}
