// What the client sees: HTTP answers from a VIP and which node's MAC it has for it.
import { runIn } from './shell';
import { CLIENT, NODES, nodeByMac, type LabHost } from './topology';

export interface HttpAnswer {
  ok: boolean;
  /** The node name the backend answered with, when ok. */
  node?: string;
  body: string;
  error?: string;
}

/** `curl http://VIP/` from the client namespace with a short timeout. */
export async function curlFromClient(vip: string, timeoutSec = 2): Promise<HttpAnswer> {
  const r = await runIn(CLIENT.ns, 'curl', ['-s', '-S', '-m', String(timeoutSec), `http://${vip}/`],
    { timeoutMs: timeoutSec * 1000 + 3000 });
  const body = r.stdout.trim();
  if (r.code !== 0) return { ok: false, body, error: r.stderr.trim() || `curl exited ${r.code}` };
  const node = NODES.find((n) => n.name === body)?.name;
  return { ok: node !== undefined, node, body, error: node ? undefined : `unexpected answer ${JSON.stringify(body)}` };
}

export interface NeighbourEntry {
  mac?: string;
  state: string;
  node?: LabHost;
}

/** The client's neighbour entry for `vip` (ip neigh): the MAC of the node that answered ARP. */
export async function clientNeighbour(vip: string): Promise<NeighbourEntry | undefined> {
  const r = await runIn(CLIENT.ns, 'ip', ['-j', 'neigh', 'show', 'to', vip, 'dev', 'eth0'], { timeoutMs: 5000 });
  if (r.code !== 0 || !r.stdout.trim()) return undefined;
  const entries = JSON.parse(r.stdout) as Array<{ lladdr?: string; state?: string[] }>;
  const e = entries[0];
  if (!e) return undefined;
  return { mac: e.lladdr, state: (e.state ?? []).join(','), node: e.lladdr ? nodeByMac(e.lladdr) : undefined };
}

/** Forgets the client's neighbour entry so the next packet asks again (ARP). */
export async function flushClientNeighbour(vip: string): Promise<void> {
  await runIn(CLIENT.ns, 'ip', ['neigh', 'flush', 'to', vip, 'dev', 'eth0'], { timeoutMs: 5000 });
}
