// The tutorials' observable outcomes, checked from the outside: EXTERNAL-IP, curl from the client, the router's routes.
import type { ChartRelease } from './chart-release';
import type { LabCluster } from './lab-cluster';
import { arpAnswerers, clientNeighbour, curlFromClient, NGINX_WELCOME, type HttpAnswer } from './probes';
import type { Progress } from './progress';
import type { LabRouter } from './router';
import { must, pollUntil } from './shell';
import { CLIENT, FRR_PATHSPACE, L2_EXPECTED_IP, L2_SERVICE, NODES, ROUTER } from './topology';

export interface CheckResult {
  name: string;
  ok: boolean;
  summary: string;
}

export interface CheckDeps {
  progress: Progress;
  cluster: LabCluster;
  release: ChartRelease;
}

/** The BGP tutorial's pool (values/bgp-tutorial.yaml): on the LAN's range, reached through the router. */
export const BGP_TUTORIAL_CIDR = '192.168.1.240/28';

/** Bounded wait for nginx's page through `vip`. */
export function waitForAnswer(vip: string, timeoutMs: number): Promise<HttpAnswer> {
  let last: HttpAnswer | undefined;
  return pollUntil(`an answer from http://${vip}`, async () => {
    last = await curlFromClient(vip, 1);
    return last.ok ? last : undefined;
  }, { timeoutMs, everyMs: 500 }).catch((err: Error & { fatal?: boolean }) => {
    if (err.fatal) throw err;
    throw new Error(`no answer from http://${vip} within ${timeoutMs / 1000}s (last: ${last?.error ?? 'none'})`);
  });
}

async function failed(d: CheckDeps, name: string, err: Error): Promise<CheckResult> {
  d.progress.info(`${name} FAILED: ${err.message}`);
  const logs = await d.cluster.speakerLogs(40).catch(() => '');
  const bad = logs.split('\n').filter((l) => /"level":"(warn|error)"/.test(l)).slice(-8);
  if (bad.length) d.progress.info(`speaker warnings/errors:\n  ${bad.join('\n  ')}`);
  d.progress.info(`events for ${L2_SERVICE}:\n${await d.cluster.serviceEvents(L2_SERVICE)}`);
  return { name, ok: false, summary: err.message.split('\n')[0] ?? err.message };
}

/** Layer 2 tutorial: nginx gets 192.168.1.240, one node answers ARP for it, and `curl http://192.168.1.240` shows nginx's page. */
export async function checkLayer2Tutorial(d: CheckDeps): Promise<CheckResult> {
  const name = 'layer2 tutorial';
  try {
    const ip = await d.progress.step(`${L2_SERVICE} got an EXTERNAL-IP from the controller`, () => d.cluster.waitForIngress(L2_SERVICE));
    d.progress.info(`$ kubectl get svc ${L2_SERVICE}\n${await d.cluster.getService(L2_SERVICE)}`);
    if (ip !== L2_EXPECTED_IP) return { name, ok: false, summary: `${L2_SERVICE} got ${ip}, the tutorial says ${L2_EXPECTED_IP}` };
    const answer = await d.progress.step(`curl http://${ip} from client (192.168.1.100)`, () => waitForAnswer(ip, 60_000));
    const title = /<title>([^<]*)<\/title>/.exec(answer.body)?.[1] ?? NGINX_WELCOME;
    const neigh = await clientNeighbour(ip);
    const owner = neigh?.node ? `${neigh.node.name} (${neigh.mac})` : `unknown MAC ${neigh?.mac ?? '-'}`;
    const macs = await arpAnswerers(ip);
    d.progress.info(`nginx answered: "${title}"; client's ARP entry for ${ip}: ${owner}; arping answered by ${macs.join(' ') || 'nobody'}`);
    const announced = (await d.cluster.speakerLogs()).split('\n').find((l) => l.includes('"serviceAnnounced"') && l.includes(ip));
    if (announced) d.progress.info(`speaker log: ${announced.trim()}`);
    if (macs.length !== 1) return { name, ok: false, summary: `${macs.length} MACs answer ARP for ${ip}: ${macs.join(' ')}` };
    return { name, ok: true, summary: `${L2_SERVICE} EXTERNAL-IP ${ip}; curl from client: "${title}"; ARP owner ${owner}` };
  } catch (err) {
    return failed(d, name, err as Error);
  }
}

/** Adds or removes the client's route to the BGP tutorial's range through the router (a LAN host needs it: no ARP in BGP mode). */
export async function clientRouteViaRouter(on: boolean): Promise<void> {
  await must('ip', ['-n', CLIENT.ns, 'route', on ? 'replace' : 'del', BGP_TUTORIAL_CIDR, 'via', ROUTER.ip]).catch((e: Error) => {
    if (on) throw e;
  });
}

/** BGP tutorial: `helm upgrade -f values/bgp-tutorial.yaml`; every node peers with 192.168.1.1, which gets an ECMP route. */
export async function checkBgpTutorial(d: CheckDeps & { router: LabRouter }): Promise<CheckResult> {
  const name = 'bgp tutorial';
  try {
    await d.progress.step(`$ ${d.release.describe('upgrade', 'bgp-tutorial.yaml')}`, () => d.release.upgrade('bgp-tutorial.yaml'));
    await d.progress.step(`client: route ${BGP_TUTORIAL_CIDR} via the router ${ROUTER.ip}`, () => clientRouteViaRouter(true));
    const ip = await d.cluster.waitForIngress(L2_SERVICE);
    const prefix = `${ip}/32`;
    let hops: string[] = [];
    await d.progress.step(`router: ECMP route ${prefix} via every node`, () => pollUntil(`${NODES.length} next hops for ${prefix}`, async () => {
      hops = await d.router.fibNextHops(prefix).catch(() => []);
      return hops.length >= NODES.length ? hops : undefined;
    }, { timeoutMs: 90_000, everyMs: 1000 })).catch(async (err: Error) => {
      const peers = await d.router.establishedPeers().catch(() => new Map<string, number>());
      throw new Error(`${err.message}; router has ${peers.size} established BGP session(s)` +
        `${peers.size ? ` (${[...peers].map(([a, n]) => `${a}: ${n} prefixes`).join(', ')})` : ''}; next hops now: ${hops.join(' ') || 'none'}`);
    });
    d.progress.info(`$ vtysh -N ${FRR_PATHSPACE} -c 'show ip route ${prefix}'\n${(await d.router.vtysh(`show ip route ${prefix}`)).trim()}`);
    await d.progress.step(`curl http://${ip} from client, routed by ${ROUTER.ip}`, () => waitForAnswer(ip, 30_000));
    let ok = 0;
    for (let i = 0; i < 9; i++) if ((await curlFromClient(ip, 2)).ok) ok++;
    d.progress.info(`9 more connections through the ECMP route: ${ok} answered by nginx`);
    if (ok !== 9) return { name, ok: false, summary: `only ${ok}/9 connections through the router were answered` };
    return { name, ok: true, summary: `${L2_SERVICE} ${ip} announced by BGP; router route via ${hops.join(', ')}; 10/10 curls answered` };
  } catch (err) {
    return failed(d, name, err as Error);
  }
}
