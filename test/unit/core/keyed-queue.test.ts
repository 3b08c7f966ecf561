// KeyedQueue: per-key order, keys side by side up to the limit, failures do not stop later jobs, backpressure and drain.
import { KeyedQueue } from '../../../src/core/keyed-queue';

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((r) => (open = r));
  return { wait, open };
}

test('jobs of one key run in push order, one at a time', async () => {
  const q = new KeyedQueue();
  const seen: string[] = [];
  const g = gate();
  void q.push('a', async () => {
    seen.push('a1 start');
    await g.wait;
    seen.push('a1 end');
  });
  void q.push('a', async () => void seen.push('a2'));
  await tick();
  expect(seen).toEqual(['a1 start']);
  g.open();
  await q.drain();
  expect(seen).toEqual(['a1 start', 'a1 end', 'a2']);
});

test('different keys run side by side, but no more than the concurrency limit', async () => {
  const q = new KeyedQueue(2);
  const g = gate();
  let running = 0;
  let most = 0;
  for (const k of ['a', 'b', 'c', 'd']) {
    void q.push(k, async () => {
      running++;
      most = Math.max(most, running);
      await g.wait;
      running--;
    });
  }
  await tick();
  expect(running).toBe(2);
  expect(q.size()).toBe(4);
  g.open();
  await q.drain();
  expect(most).toBe(2);
  expect(q.size()).toBe(0);
});

test('a failed job rejects its own promise and the next job of the key still runs', async () => {
  const q = new KeyedQueue();
  const failed = q.push('a', async () => {
    throw new Error('boom');
  });
  let ran = false;
  void q.push('a', async () => void (ran = true));
  await expect(failed).rejects.toThrow('boom');
  await q.drain();
  expect(ran).toBe(true);
});

test('below(n) waits until fewer than n jobs are pending', async () => {
  const q = new KeyedQueue(1);
  const g = gate();
  void q.push('a', () => g.wait);
  void q.push('b', () => Promise.resolve());
  let released = false;
  const waiting = q.below(2).then(() => (released = true));
  await tick();
  expect(released).toBe(false);
  g.open();
  await waiting;
  expect(q.size()).toBeLessThan(2);
});
