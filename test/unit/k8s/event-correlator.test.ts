// EventCorrelator: repeats counted on one Event, many messages combined, spam filtered — client-go's rules.
import { EventCorrelator, type EventInput } from '../../../src/core/k8s/event-correlator';

const svc = { kind: 'Service', apiVersion: 'v1', namespace: 'default', name: 'nginx', uid: 'u-1' };
const ev = (message: string, over: Partial<EventInput> = {}): EventInput => ({ object: svc, type: 'Normal', reason: 'IPAllocated', message, component: 'metallb-controller', ...over });

describe('EventCorrelator', () => {
  it('creates the first Event and counts exact repeats on it', () => {
    const c = new EventCorrelator();
    const first = c.correlate(ev('Assigned IP ["192.168.1.240"]'));
    expect(first).toMatchObject({ action: 'create' });
    const second = c.correlate(ev('Assigned IP ["192.168.1.240"]'));
    const third = c.correlate(ev('Assigned IP ["192.168.1.240"]'));
    expect(second).toEqual({ action: 'repeat', id: (first as { id: string }).id, message: 'Assigned IP ["192.168.1.240"]', count: 2 });
    expect(third).toMatchObject({ action: 'repeat', count: 3 });
  });

  it('keeps Events apart by object uid, reason, type, message and source host', () => {
    const c = new EventCorrelator();
    const base = c.correlate(ev('m'));
    const others = [
      ev('m', { object: { ...svc, uid: 'u-2' } }),
      ev('m', { reason: 'AllocationFailed' }),
      ev('m', { type: 'Warning' }),
      ev('other'),
      ev('m', { host: 'node-a' }),
    ].map((e) => c.correlate(e));
    expect(base.action).toBe('create');
    for (const o of others) expect(o.action).toBe('create');
    expect(new Set(others.map((o) => (o as { id: string }).id)).size).toBe(others.length);
  });

  it('combines the 10th and later different messages for one object and reason into one counted Event', () => {
    const c = new EventCorrelator({ spamBurst: 1000 });
    const results = Array.from({ length: 14 }, (_, i) => c.correlate(ev(`Assigned IP ["10.0.0.${i}"]`)));
    for (const r of results.slice(0, 9)) expect(r.action).toBe('create');
    expect(results[9]).toMatchObject({ action: 'create', message: '(combined from similar events): Assigned IP ["10.0.0.9"]' });
    const combinedId = (results[9] as { id: string }).id;
    expect(results[13]).toEqual({ action: 'repeat', id: combinedId, message: '(combined from similar events): Assigned IP ["10.0.0.13"]', count: 5 });
  });

  it('starts a new group after the 10-minute window', () => {
    let now = 0;
    const c = new EventCorrelator({ spamBurst: 1000 }, () => now);
    for (let i = 0; i < 9; i++) c.correlate(ev(`m${i}`));
    now = 601_000;
    expect(c.correlate(ev('m9'))).toMatchObject({ action: 'create', message: 'm9' });
  });

  it('drops Events beyond the burst of 25 per object, then lets one through per 5 minutes', () => {
    let now = 0;
    const c = new EventCorrelator({}, () => now);
    const actions = Array.from({ length: 27 }, () => c.correlate(ev('same')).action);
    expect(actions.filter((a) => a !== 'drop')).toHaveLength(25);
    expect(actions.slice(25)).toEqual(['drop', 'drop']);
    // Another object is not affected.
    expect(c.correlate(ev('same', { object: { ...svc, name: 'web', uid: 'u-9' } })).action).toBe('create');
    now = 300_000;
    expect(c.correlate(ev('same')).action).toBe('repeat');
    expect(c.correlate(ev('same')).action).toBe('drop');
  });
});
