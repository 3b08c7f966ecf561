// `lab status`: lab daemons, pods, each LoadBalancer IP and the node answering ARP for it, the router's BGP sessions.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAliveIn, isAliveInInode } from './daemons';
import { LabKubectl } from './kubectl';
import { existingLabNamespaces } from './network';
import { arpAnswerers, curlFromClient } from './probes';
import type { Progress } from './progress';
import { LabRouter } from './router';
import { readState } from './state';
import { FRR_RUN_DIR, L2_EXPECTED_IP, nodeByMac, ROUTER } from './topology';

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
  const pods = await kubectl.run(['get', 'pods', '-A', '-o', 'wide'], { timeoutMs: 10_000 });
  progress.note('pods:');
  progress.info(pods.code === 0 ? pods.stdout : `(apiserver unreachable: ${pods.stderr.trim()})`);
  const svcs = await kubectl.run(['get', 'svc', '-A', '--field-selector=spec.type=LoadBalancer', '-o',
    'jsonpath={range .items[*]}{.metadata.namespace}/{.metadata.name}={.status.loadBalancer.ingress[*].ip}{"\\n"}{end}'], { timeoutMs: 10_000 });
  const report: StatusReport = { up: true, processes };
  progress.note('LoadBalancer Services and who the client sees answering (ARP) for each IP:');
  for (const line of svcs.stdout.split('\n').filter(Boolean)) {
    const [svc, ips = ''] = line.split('=');
    for (const vip of ips.split(' ').filter(Boolean)) {
      const answer = await curlFromClient(vip, 2);
      const macs = await arpAnswerers(vip);
      const owners = macs.map((m) => `${nodeByMac(m)?.name ?? '?'} (${m})`);
      if (vip === L2_EXPECTED_IP) report.owner = macs.length === 1 ? nodeByMac(macs[0] ?? '')?.name : undefined;
      progress.info(`${svc} ${vip}: ARP ${owners.join(', ') || 'no answer (BGP or not announced)'}; curl ${answer.ok ? 'nginx answered' : answer.error}`);
    }
  }
  const l2 = await kubectl.run(['get', 'servicel2statuses', '-n', 'metallb-system', '-o',
    'custom-columns=NAME:.metadata.name,SERVICE:.status.serviceName,NODE:.status.node'], { timeoutMs: 10_000 });
  if (l2.code === 0) progress.info(l2.stdout);

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
