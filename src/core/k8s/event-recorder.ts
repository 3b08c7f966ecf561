// Records Kubernetes Events (IPAllocated, AllocationFailed, nodeAssigned, ...), counted and combined as client-go does.
import { randomBytes } from 'node:crypto';
import type * as k8s from '@kubernetes/client-node';
import type { KubeClients } from './kube-clients';
import { EventCorrelator, type CorrelatorOptions, type InvolvedObject } from './event-correlator';
import type { Logger } from '../log';
import type { ServiceKey, ServiceRef } from '../service';

/** As client-go's broadcaster: events queue up to this many, beyond it new ones are dropped. */
const MAX_QUEUED = 1000;
/** Event writes in flight at once: events share the apiserver with the status writes they follow. */
const IN_FLIGHT = 2;
/** Events remembered for counting repeats (client-go's LRU size). */
const REMEMBERED = 4096;
/** A create/patch that keeps failing for one Event is given up after this many tries. */
const MAX_TRIES = 3;

export interface KubeEventRecorderOptions {
  /** Fills uid/resourceVersion for a Service given by key only (e.g. a plugin's key). */
  resolve?: (key: ServiceKey) => ServiceRef | undefined;
  correlator?: Partial<CorrelatorOptions>;
}

/** One Event object as we last wrote (or mean to write) it. */
interface Tracked {
  body: k8s.CoreV1Event;
  created: boolean;
  /** Changed since last written: queued, or re-queued after the write in flight. */
  dirty: boolean;
  inFlight: boolean;
  tries: number;
}

export class KubeEventRecorder {
  private readonly queue: Tracked[] = [];
  private readonly tracked = new Map<string, Tracked>();
  private readonly correlator: EventCorrelator;
  private inFlight = 0;
  private dropped = 0;

  constructor(
    private readonly clients: KubeClients,
    private readonly component: string,
    private readonly log: Logger,
    private readonly host?: string,
    private readonly opts: KubeEventRecorderOptions = {},
  ) {
    this.correlator = new EventCorrelator(opts.correlator);
  }

  normal(key: ServiceRef, reason: string, message: string): void {
    this.record(this.serviceObject(key), 'Normal', reason, message);
  }

  warning(key: ServiceRef, reason: string, message: string): void {
    this.record(this.serviceObject(key), 'Warning', reason, message);
  }

  /** An Event on any object (Node, ConfigurationState, IPAddressPool, ...). */
  onObject(object: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    this.record(object, type, reason, message);
  }

  /** Resolves when every queued event has been written or given up (tests, shutdown). */
  async flush(): Promise<void> {
    for (let i = 0; i < 10_000 && (this.queue.length > 0 || this.inFlight > 0); i++) await new Promise((r) => setTimeout(r, 10));
  }

  private serviceObject(key: ServiceRef): InvolvedObject {
    const ref = key.uid ? key : (this.opts.resolve?.(key) ?? key);
    return { kind: 'Service', apiVersion: 'v1', namespace: key.namespace, name: key.name, uid: ref.uid, resourceVersion: ref.resourceVersion };
  }

  /**
   * Queued, written in the background by a few workers: an event must never block or slow down
   * reconciliation (the status write it follows is what users wait for).
   */
  private record(object: InvolvedObject, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const c = this.correlator.correlate({ object, type, reason, message, component: this.component, host: this.host });
    if (c.action === 'drop') {
      this.log.debug({ event: 'eventSpamFiltered', reason, object: `${object.kind}/${object.name}` }, 'too many events for one object, dropped');
      return;
    }
    const now = new Date();
    const count = c.action === 'repeat' ? c.count : 1;
    const prior = c.action === 'repeat' ? this.tracked.get(c.id) : undefined;
    if (prior) {
      prior.body.count = count;
      prior.body.lastTimestamp = now;
      prior.body.message = c.message;
      prior.tries = 0;
      this.touch(c.id, prior);
      this.markDirty(prior, reason);
      return;
    }
    // Random suffix: recorders in several processes write events for the same object at the same instant.
    const name = `${object.name}.${now.getTime().toString(16)}${randomBytes(4).toString('hex')}`;
    const entry: Tracked = {
      body: {
        metadata: { name, namespace: object.namespace ?? 'default' },
        involvedObject: { ...object },
        type,
        reason,
        message: c.message,
        source: { component: this.component, host: this.host },
        reportingComponent: this.component,
        reportingInstance: this.host ?? this.component,
        firstTimestamp: now,
        lastTimestamp: now,
        count,
      },
      created: false,
      dirty: false,
      inFlight: false,
      tries: 0,
    };
    this.touch(c.id, entry);
    this.markDirty(entry, reason);
  }

  /** Keeps the most recent REMEMBERED Events; an idle one falling out is simply written anew on its next repeat. */
  private touch(id: string, entry: Tracked): void {
    this.tracked.delete(id);
    this.tracked.set(id, entry);
    for (const [oldId, old] of this.tracked) {
      if (this.tracked.size <= REMEMBERED) break;
      if (!old.dirty && !old.inFlight) this.tracked.delete(oldId);
      else break;
    }
  }

  private markDirty(entry: Tracked, reason: string): void {
    if (entry.dirty) return;
    if (!entry.inFlight && this.queue.length >= MAX_QUEUED) {
      if (this.dropped++ % 1000 === 0) this.log.warn({ event: 'eventDropped', reason, dropped: this.dropped }, 'event queue full, dropping events');
      return;
    }
    entry.dirty = true;
    if (entry.inFlight) return;
    this.queue.push(entry);
    if (this.inFlight < IN_FLIGHT) void this.drain();
  }

  private async drain(): Promise<void> {
    this.inFlight++;
    try {
      for (let entry = this.queue.shift(); entry; entry = this.queue.shift()) {
        entry.dirty = false;
        entry.inFlight = true;
        try {
          await this.write(entry);
        } finally {
          entry.inFlight = false;
        }
        if (entry.dirty) this.queue.push(entry);
      }
    } finally {
      this.inFlight--;
    }
  }

  /** Creates the Event, or patches count/lastTimestamp/message of one already written (client-go sends the same three). */
  private async write(entry: Tracked): Promise<void> {
    const body = entry.body;
    const ns = encodeURIComponent(body.metadata?.namespace ?? 'default');
    const name = body.metadata?.name ?? '';
    try {
      if (!entry.created) {
        await this.clients.requester.send('POST', `/api/v1/namespaces/${ns}/events`, body);
      } else {
        const patch = { count: body.count, lastTimestamp: body.lastTimestamp, message: body.message };
        await this.clients.requester.send('PATCH', `/api/v1/namespaces/${ns}/events/${encodeURIComponent(name)}`, patch, 'application/merge-patch+json');
      }
      entry.created = true;
      entry.tries = 0;
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      // 409 on create: an earlier try did land; 404 on patch: the Event expired (1 h TTL) — write it anew.
      const retry = (code === 409 && !entry.created) || (code === 404 && entry.created);
      if (retry && ++entry.tries < MAX_TRIES) {
        entry.created = code === 409;
        entry.dirty = true;
        return;
      }
      this.log.warn({ event: 'eventRecordFailed', reason: body.reason, error: (err as Error).message }, 'could not record event');
    }
  }
}
