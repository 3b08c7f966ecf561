// The tutorials' observable outcomes, checked from the outside: EXTERNAL-IP, curl from the client, the router's routes.
import { assertComponentsRunning } from './components';
import { speakerFailures } from './diagnosis';
import type { LabCluster } from './lab-cluster';
import { layer2AndBgpConfigMap } from './manifests';
import type { LabNetwork } from './network';
import { clientNeighbour, curlFromClient, type HttpAnswer } from './probes';
import type { Progress } from './progress';
import type { LabRouter } from './router';
import { pollUntil } from './shell';
import { BGP_POOL, BGP_SERVICE, FRR_PATHSPACE, L2_EXPECTED_IP, L2_SERVICE, NODES } from './topology';

export interface CheckResult {
  name: string;
  ok: boolean;
  summary: string;
}

interface CheckDeps {
  progress: Progress;
  cluster: LabCluster;
  net: LabNetwork;
}

/** Waits for the Service's IP, prints `kubectl get svc`, and has the kube-proxy stand-in put it on kube-ipvs0. */
async function serviceIp(d: CheckDeps, name: string): Promise<string> {
  const ip = await d.progress.step(`${name} got an EXTERNAL-IP from the controller`, () => d.cluster.waitForIngress(name))
    .catch(async (err: Error) => {
      d.progress.info(`events for ${name}:\n${await d.cluster.serviceEvents(name)}`);
      throw err;
    });
  d.progress.info(`$ kubectl get svc ${name}\n${await d.cluster.getService(name)}`);
  await d.progress.step(`kube-proxy stand-in: ${ip}/32 on kube-ipvs0 of every node`, () => d.net.addServiceIp(ip));
  return ip;
}

/** Bounded wait for an HTTP answer from a node through `vip`. */
function waitForAnswer(vip: string, timeoutMs: number): Promise<HttpAnswer> {
  let last: HttpAnswer | undefined;
  return pollUntil(`an answer from http://${vip}`, async () => {
    assertComponentsRunning();
    last = await curlFromClient(vip, 1);
    return last.ok ? last : undefined;
  }, { timeoutMs, everyMs: 500 }).catch((err: Error & { fatal?: boolean }) => {
    if (err.fatal) throw err;
    throw new Error(`no answer from http://${vip} within ${timeoutMs / 1000}s (last: ${last?.error ?? 'none'})`);
  });
}

function failed(d: CheckDeps, name: string, err: Error, protocol: string): CheckResult {
  const why = speakerFailures(protocol);
  d.progress.info(`${name} FAILED: ${err.message}`);
  if (why.length) d.progress.info(`speakers report (${protocol}):\n  ${why.join('\n  ')}`);
  const reason = why.length ? `${err.message.split('\n')[0]}; speakers: ${why[0]}` : err.message.split('\n')[0];
  return { name, ok: false, summary: reason };
}

/** Layer 2 tutorial: nginx gets 192.168.1.240 and `curl http://192.168.1.240` from the client answers. */
export async function checkLayer2Tutorial(d: CheckDeps): Promise<CheckResult> {
  const name = 'layer2 tutorial';
  try {
    const ip = await serviceIp(d, L2_SERVICE);
    if (ip !== L2_EXPECTED_IP) return { name, ok: false, summary: `${L2_SERVICE} got ${ip}, the tutorial says ${L2_EXPECTED_IP}` };
    const answer = await d.progress.step(`curl http://${ip} from client (192.168.1.100)`, () => waitForAnswer(ip, 30_000));
    const neigh = await clientNeighbour(ip);
    const owner = neigh?.node ? `${neigh.node.name} (${neigh.mac})` : `unknown MAC ${neigh?.mac ?? '-'}`;
    d.progress.info(`answered by ${answer.node}; client's ARP entry for ${ip}: ${owner}`);
    return { name, ok: true, summary: `${L2_SERVICE} EXTERNAL-IP ${ip}; curl from client answered by ${answer.node}; ARP owner ${owner}` };
  } catch (err) {
    return failed(d, name, err as Error, 'layer2');
  }
}

/** BGP part: a bgp pool + iBGP peer 192.168.1.1 (AS 64500); the router gets an ECMP route; the client reaches the IP through it. */
export async function checkBgpTutorial(d: CheckDeps & { router: LabRouter }): Promise<CheckResult> {
  const name = 'bgp tutorial';
  try {
    await d.progress.step(`applied ConfigMap with peer 192.168.1.1 AS 64500 and pool ${BGP_POOL.name} (${BGP_POOL.range})`,
      () => d.cluster.applyConfigMap(layer2AndBgpConfigMap()));
    await d.progress.step(`created Service ${BGP_SERVICE} (metallb.io/address-pool: ${BGP_POOL.name}) and its EndpointSlice`,
      () => d.cluster.createService(BGP_SERVICE, BGP_POOL.name));
    const ip = await serviceIp(d, BGP_SERVICE);
    const prefix = `${ip}/32`;
    let hops: string[] = [];
    await d.progress.step(`router: ECMP route ${prefix} via every node`, () => pollUntil(`${NODES.length} next hops for ${prefix}`, async () => {
      hops = await d.router.fibNextHops(prefix).catch(() => []);
      return hops.length >= NODES.length ? hops : undefined;
    }, { timeoutMs: 60_000, everyMs: 1000 })).catch(async (err: Error) => {
      const peers = await d.router.establishedPeers().catch(() => new Map<string, number>());
      throw new Error(`${err.message}; router has ${peers.size} established BGP session(s)` +
        `${peers.size ? ` (${[...peers].map(([a, n]) => `${a}: ${n} prefixes`).join(', ')})` : ''}; next hops now: ${hops.join(' ') || 'none'}`);
    });
    d.progress.info(`$ vtysh -N ${FRR_PATHSPACE} -c 'show ip route ${prefix}'\n${(await d.router.vtysh(`show ip route ${prefix}`)).trim()}`);
    const answer = await d.progress.step(`curl http://${ip} from client, routed by 192.168.1.1`, () => waitForAnswer(ip, 30_000));
    const spread = new Map<string, number>();
    for (let i = 0; i < 9; i++) {
      const a = await curlFromClient(ip, 2);
      const key = a.node ?? `error: ${a.error}`;
      spread.set(key, (spread.get(key) ?? 0) + 1);
    }
    const dist = [...spread].map(([k, n]) => `${k}×${n}`).join(', ');
    d.progress.info(`first answer from ${answer.node}; 9 more connections spread over ECMP: ${dist}`);
    return { name, ok: true, summary: `${BGP_SERVICE} EXTERNAL-IP ${ip}; router route via ${hops.join(', ')}; curl from client: ${dist}` };
  } catch (err) {
    return failed(d, name, err as Error, 'bgp');
  }
}
