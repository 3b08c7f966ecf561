// Who owns a VIP as the client namespace sees it: MACs in `arping` replies, and the neighbour entry after a `ping`.
import type { L2Lab } from './netns-lab';
import { sleep } from './netns-lab';

export interface OwnerObservation {
  /** Sender MAC of every ARP reply, in arrival order (a second owner shows up as a second MAC). */
  arpMacs: string[];
  /** The client's neighbour entry for the VIP after a fresh `ping` (flushed first). */
  neighMac?: string;
  /** Polls it took (the last one is this observation). */
  polls: number;
  /** From the first poll to the one that matched (or gave up). */
  settledMs: number;
}

/** Replies of Thomas Habets' arping ("60 bytes from MAC (IP): ...") and of iputils' ("reply from IP [MAC]"). */
export function arpingReplyMacs(out: string): string[] {
  const habets = [...out.matchAll(/bytes from ([0-9a-f:]{17}) /gi)].map((m) => m[1]!.toLowerCase());
  const iputils = [...out.matchAll(/reply from \S+ \[([0-9a-f:]{17})\]/gi)].map((m) => m[1]!.toLowerCase());
  return [...habets, ...iputils];
}

/** Sends `count` ARP requests for `vip` from the client (0.2 s apart) and returns the MAC of every reply. */
export async function arpOwners(lab: L2Lab, vip: string, count: number): Promise<string[]> {
  const r = await lab.execAsync(lab.client.ns, 'arping', ['-c', String(count), '-W', '0.2', '-w', String(Math.ceil(count * 0.2) + 2), '-i', 'eth0', vip], 15_000);
  return arpingReplyMacs(r.stdout);
}

/** Forgets the VIP's neighbour entry, pings it once, returns the MAC the kernel resolved it to. */
export async function neighbourAfterPing(lab: L2Lab, vip: string): Promise<string | undefined> {
  await lab.execAsync(lab.client.ns, 'ip', ['neigh', 'flush', 'to', vip, 'dev', 'eth0']);
  await lab.execAsync(lab.client.ns, 'ping', ['-c', '1', '-W', '2', vip], 10_000);
  const shown = await lab.execAsync(lab.client.ns, 'ip', ['neigh', 'show', vip, 'dev', 'eth0']);
  return /lladdr ([0-9a-f:]{17})/.exec(shown.stdout)?.[1];
}

/**
 * Polls (at most `timeoutMs` and `maxPolls`) until every ARP reply comes from `mac` (or, with `mac` undefined, nobody
 * replies), then takes one more, longer observation with a ping: that one is returned for the test to assert on.
 */
export async function observeSettled(lab: L2Lab, vip: string, mac: string | undefined, timeoutMs = 20_000, maxPolls = 30): Promise<OwnerObservation> {
  const started = Date.now();
  const end = started + timeoutMs;
  let polls = 0;
  for (; polls < maxPolls && Date.now() < end; ) {
    polls++;
    const macs = await arpOwners(lab, vip, 2);
    if (mac === undefined ? macs.length === 0 : macs.length > 0 && macs.every((m) => m === mac)) break;
    await sleep(300);
  }
  const settledMs = Date.now() - started;
  const arpMacs = await arpOwners(lab, vip, 5);
  return { arpMacs, neighMac: mac === undefined ? undefined : await neighbourAfterPing(lab, vip), polls: polls + 1, settledMs };
}
