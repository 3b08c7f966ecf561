// Decides, as client-go's EventCorrelator does, whether an Event is new, a repeat to count, combined, or spam.

/** The involved object, as an Event's `involvedObject` (ObjectReference). */
export interface InvolvedObject {
  kind: string;
  apiVersion: string;
  namespace?: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
}

export interface EventInput {
  object: InvolvedObject;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  component: string;
  host?: string;
}

export type Correlation =
  /** A new Event object to create, with this message (maybe combined). */
  | { action: 'create'; id: string; message: string }
  /** A repeat of the Event `id`: bump its count to `count` and its lastTimestamp. */
  | { action: 'repeat'; id: string; message: string; count: number }
  /** Dropped by the spam filter (too many Events for one object). */
  | { action: 'drop' };

/** client-go defaults (tools/record/events_cache.go). */
export const CORRELATOR_DEFAULTS = {
  /** LRU size of each cache. */
  cacheSize: 4096,
  /** Similar Events (same reason, other message) within this window ... */
  aggregateWindowMs: 600_000,
  /** ... beyond this many are combined into one Event. */
  aggregateMaxEvents: 10,
  /** Token bucket per object and source: burst, then one Event per refill interval. */
  spamBurst: 25,
  spamRefillMs: 300_000,
};

export type CorrelatorOptions = typeof CORRELATOR_DEFAULTS;

/** A tiny LRU on Map insertion order. */
class Lru<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value as string);
  }
  delete(key: string): void {
    this.map.delete(key);
  }
}

const COMBINED_PREFIX = '(combined from similar events): ';

let nextId = 0;

export class EventCorrelator {
  private readonly opts: CorrelatorOptions;
  private readonly spam: Lru<{ tokens: number; at: number }>;
  private readonly similar: Lru<{ messages: Set<string>; at: number }>;
  private readonly seen: Lru<{ id: string; count: number }>;

  constructor(
    opts: Partial<CorrelatorOptions> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.opts = { ...CORRELATOR_DEFAULTS, ...opts };
    this.spam = new Lru(this.opts.cacheSize);
    this.similar = new Lru(this.opts.cacheSize);
    this.seen = new Lru(this.opts.cacheSize);
  }

  correlate(e: EventInput): Correlation {
    if (!this.allow(e)) return { action: 'drop' };
    const aggregateKey = keyOf([e.component, e.host, ...objectKey(e.object), e.type, e.reason]);
    const now = this.now();
    let group = this.similar.get(aggregateKey);
    if (!group || now - group.at > this.opts.aggregateWindowMs) group = { messages: new Set(), at: now };
    group.messages.add(e.message);
    this.similar.set(aggregateKey, group);
    // Many different messages for one object and reason: count them on one combined Event.
    const combined = group.messages.size >= this.opts.aggregateMaxEvents;
    const message = combined ? COMBINED_PREFIX + e.message : e.message;
    const dedupKey = combined ? `${aggregateKey}\u0000*` : `${aggregateKey}\u0000${e.message}`;
    const prior = this.seen.get(dedupKey);
    if (prior) {
      prior.count++;
      this.seen.set(dedupKey, prior);
      return { action: 'repeat', id: prior.id, message, count: prior.count };
    }
    const id = `e${(nextId++).toString(36)}`;
    this.seen.set(dedupKey, { id, count: 1 });
    return { action: 'create', id, message };
  }

  private allow(e: EventInput): boolean {
    const key = keyOf([e.component, e.host, ...objectKey(e.object)]);
    const now = this.now();
    const bucket = this.spam.get(key) ?? { tokens: this.opts.spamBurst, at: now };
    const refill = Math.floor((now - bucket.at) / this.opts.spamRefillMs);
    if (refill > 0) {
      bucket.tokens = Math.min(this.opts.spamBurst, bucket.tokens + refill);
      bucket.at += refill * this.opts.spamRefillMs;
    }
    if (bucket.tokens <= 0) {
      this.spam.set(key, bucket);
      return false;
    }
    bucket.tokens--;
    this.spam.set(key, bucket);
    return true;
  }
}

function objectKey(o: InvolvedObject): string[] {
  return [o.kind, o.apiVersion, o.namespace ?? '', o.name, o.uid ?? ''];
}

function keyOf(parts: Array<string | undefined>): string {
  return parts.map((p) => p ?? '').join('\u0000');
}
