// SerialQueue: jobs in order, one at a time; the observer counts each job and its failures (metallb_k8s_client_*).
import { Registry } from 'prom-client';
import { clientMetrics } from '../../../src/core/client-metrics';
import { SerialQueue } from '../../../src/core/serial-queue';

describe('SerialQueue', () => {
  it('runs jobs in order and tells the observer each outcome; a failure does not stop later jobs', async () => {
    const errors: unknown[] = [];
    const q = new SerialQueue((e) => errors.push(e));
    const outcomes: boolean[] = [];
    const order: number[] = [];
    q.observe((ok) => outcomes.push(ok));
    void q.push(async () => void order.push(1));
    void q.push(async () => Promise.reject(new Error('boom')));
    void q.push(async () => void order.push(3));
    await q.drain();
    expect(order).toEqual([1, 3]);
    expect(outcomes).toEqual([true, false, true]);
    expect(errors).toHaveLength(1);
  });

  it('clientMetrics: MetalLB names without labels, one set per registry', async () => {
    const reg = new Registry();
    const m = clientMetrics(reg);
    expect(clientMetrics(reg)).toBe(m);
    m.updates.inc(3);
    m.updateErrors.inc();
    const text = await reg.metrics();
    expect(text).toContain('metallb_k8s_client_updates_total 3');
    expect(text).toContain('metallb_k8s_client_update_errors_total 1');
    expect(text).toContain('metallb_k8s_client_config_loaded_bool 0');
    expect(text).toContain('metallb_k8s_client_config_stale_bool 0');
  });
});
