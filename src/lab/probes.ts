// What the client sees: HTTP answers from a VIP (the tutorial's nginx page) and which node's MAC it has for it.
import { runIn } from './shell';
import { CLIENT, nodeByMac, type LabHost } from './topology';

/** The stock page of Debian's nginx-light, as the tutorial says: "Welcome to nginx!". */
export const NGINX_WELCOME = 'Welcome to nginx!';

export interface HttpAnswer {
  ok: boolean;
  body: string;
  error?: string;
}

/** `curl http://VIP/` from the client namespace with a short timeout; ok when nginx's welcome page came back. */
export async function curlFromClient(vip: string, timeoutSec = 2): Promise<HttpAnswer> {
  const r = await runIn(CLIENT.ns, 'curl', ['-s', '-S', '-m', String(timeoutSec), `http://${vip}/`],
    { timeoutMs: timeoutSec * 1000 + 3000 });
  const body = r.stdout;
  if (r.code !== 0) return { ok: false, body, error: r.stderr.trim() || `curl exited ${r.code}` };
  const ok = body.includes(NGINX_WELCOME);
  return { ok, body, error: ok ? undefined : `unexpected answer ${JSON.stringify(body.slice(0, 80))}` };
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

/** Every MAC that answers an ARP request for `vip` within a second (arping from the client): one, when all is well. */
export async function arpAnswerers(vip: string): Promise<string[]> {
  const r = await runIn(CLIENT.ns, 'arping', ['-I', 'eth0', '-c', '2', '-w', '2', vip], { timeoutMs: 6000 });
  const macs = new Set<string>();
  // Thomas Habets' arping (Debian's `arping`): "60 bytes from MAC (IP): ..."; iputils': "reply from IP [MAC]".
  for (const m of r.stdout.matchAll(/bytes from ([0-9a-f:]{17}) |\[([0-9a-f:]{17})\]/gi)) macs.add(((m[1] ?? m[2]) as string).toLowerCase());
  return [...macs].sort();
}
