// `lab status`: which lab processes run, the Services and their IPs, who owns the layer2 IP, the router's BGP view.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAliveIn, isAliveInInode } from './daemons';
import { LabKubectl } from './kubectl';
import { existingLabNamespaces } from './network';
import { clientNeighbour, curlFromClient } from './probes';
import type { Progress } from './progress';
import { LabRouter } from './router';
import { readState } from './state';
import { FRR_RUN_DIR, L2_EXPECTED_IP, ROUTER } from './topology';

export interface StatusReport {
  up: boolean;
  processes: Array<{ name: string; pid: number; running: boolean }>;
  owner?: string;
}

function frrDaemons(): Array<{ name: string; pid: number; running: boolean }> {
  const out: Array<{ name: string; pid: number; running: boolean }> = [];
  for (const d of ['zebra', 'bgpd']) {
    const f = join(FRR_RUN_DIR, `${d}.pid`);
    if (!existsSync(f)) continue;
    const pid = Number(readFileSync(f, 'utf8').trim());
    out.push({ name: `frr/${d}`, pid, running: isAliveIn(pid, ROUTER.ns) });
  }
  return out;
}

export async function labStatus(progress: Progress): Promise<StatusReport> {
  const namespaces = existingLabNamespaces();
  const state = readState();
  if (namespaces.length === 0 && !state) {
    progress.note('the lab is down (no mlbts-lab-* namespaces, no state)');
    return { up: false, processes: [] };
  }
  progress.note(`namespaces: ${namespaces.join(' ') || 'none'}`);
  const processes = [
    ...(state?.processes ?? []).map((p) => ({
      name: p.name, pid: p.pid, running: p.nsInode !== undefined ? isAliveInInode(p.pid, p.nsInode) : isAliveIn(p.pid, p.ns),
    })),
    ...frrDaemons(),
  ];
  progress.note('processes:');
  for (const p of processes) progress.info(`${p.running ? 'running' : 'DOWN   '}  ${p.name.padEnd(20)} pid ${p.pid}`);

  const kubectl = new LabKubectl();
  const svcs = await kubectl.run(['get', 'svc', '-A', '--field-selector=spec.type=LoadBalancer'], { timeoutMs: 10_000 });
  progress.note('LoadBalancer Services:');
  progress.info(svcs.code === 0 ? svcs.stdout : `(apiserver unreachable: ${svcs.stderr.trim()})`);

  const report: StatusReport = { up: true, processes };
  const answer = await curlFromClient(L2_EXPECTED_IP, 2);
  const neigh = await clientNeighbour(L2_EXPECTED_IP);
  report.owner = neigh?.node?.name;
  progress.note(`layer2 owner of ${L2_EXPECTED_IP} (client ip neigh): ${neigh?.node ? `${neigh.node.name} ${neigh.mac} ${neigh.state}` : neigh?.mac ?? 'none'}; ` +
    `curl: ${answer.ok ? `answered by ${answer.node}` : answer.error}`);

  const router = new LabRouter();
  const peers = await router.establishedPeers().catch(() => undefined);
  if (peers) {
    progress.note(`router: ${peers.size} established BGP session(s)${peers.size ? `: ${[...peers].map(([a, n]) => `${a} (${n} prefixes)`).join(', ')}` : ''}`);
    const routes = await router.vtysh('show ip route bgp').catch((e: Error) => e.message);
    progress.info(routes.split('\n').filter((l) => /^B/.test(l) || /^\s+\*?\s*via/.test(l)).join('\n') || '(no BGP routes)');
  } else {
    progress.note('router: FRR not answering');
  }
  return report;
}
