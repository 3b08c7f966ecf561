// The testkit's conformance suite (metallbts/plugin-testkit), observing what a real receiver on 127.0.0.1 was told.
import type { Announcer } from 'metallbts/plugin-api';
import { describeConformance } from 'metallbts/plugin-testkit';
import plugin from '../src';
import { Receiver, until } from './receiver';

const receiver = new Receiver();
beforeAll(async () => {
  await receiver.start();
});
afterAll(async () => {
  await receiver.stop();
  expect(receiver.requests.length).toBeGreaterThan(0); // the suite drove real POSTs
});

/** What the receiver believes after every message was delivered: per node and Service, the announced IPs. */
async function receiverState(announcer: Announcer): Promise<Record<string, string[]>> {
  await until('the delivery queue to drain', () => announcer.status().details?.busy === false);
  const state: Record<string, string[]> = {};
  for (const m of receiver.bodies()) {
    const k = `${m.node} ${m.service.namespace}/${m.service.name}`;
    if (m.kind === 'Announce') state[k] = m.ips;
    else delete state[k];
  }
  return state;
}

describeConformance({
  plugin,
  // The URL is only known once the receiver listens: a getter, read when the suite creates the plugin.
  get options() {
    return { url: receiver.url, retryBaseMs: 5, retryMaxMs: 20, shutdownTimeoutMs: 1000 };
  },
  // A shutdown waits for the receiver up to shutdownTimeoutMs: allow for it under load.
  callTimeoutMs: 5000,
  observe: (announcer) => receiverState(announcer),
  // After shutdown every Service this node announced was withdrawn.
  cleanupCheck: () => {
    const left: Record<string, string> = {};
    for (const m of receiver.bodies()) {
      const k = `${m.node} ${m.service.namespace}/${m.service.name}`;
      if (m.kind === 'Announce') left[k] = m.ips.join(',');
      else delete left[k];
    }
    return Object.entries(left).map(([k, ips]) => `${k} still announced (${ips})`);
  },
});
