// `lab up`: builds the tutorials' network in namespaces, runs the product in it, and checks what a user of the tutorials would.
import { startBackends, startController, startSpeakers, expectStaysUp } from './components';
import { LabControlPlane } from './control-plane';
import { labDown } from './lab-down';
import { LabCluster } from './lab-cluster';
import { LabKubectl } from './kubectl';
import { layer2ConfigMap } from './manifests';
import { missingPrerequisites } from './binaries';
import { LabNetwork } from './network';
import { Progress } from './progress';
import { LabRouter } from './router';
import { labAbort } from './shell';
import { ensureLabDirs, initState, labDir } from './state';
import { checkBgpTutorial, checkLayer2Tutorial, type CheckResult } from './tutorial-checks';
import { L2_SERVICE } from './topology';

export interface UpOptions {
  /** Also run the BGP part of the tutorial (default true). */
  bgp: boolean;
  /** Leave the lab running when a check fails (default: tear it down). */
  keepOnFailure: boolean;
}

export interface UpResult {
  ok: boolean;
  checks: CheckResult[];
}

export async function labUp(opts: UpOptions, progress = new Progress()): Promise<UpResult> {
  const missing = missingPrerequisites();
  if (missing.length) throw new Error(`cannot build the lab:\n  ${missing.join('\n  ')}`);

  await progress.step('removed any previous lab', () => labDown(progress, { quiet: true }));
  let ok = false;
  // Ctrl-C: stop at the next step or poll, then the finally below removes everything (a second Ctrl-C exits at once).
  const onSignal = (sig: NodeJS.Signals): void => {
    if (labAbort.signal.aborted) process.exit(130);
    progress.note(`${sig}: stopping, then removing the lab`);
    labAbort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const result = await build(opts, progress);
    ok = result.ok;
    return result;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (!ok && (!opts.keepOnFailure || labAbort.signal.aborted)) {
      progress.note('lab up failed: tearing the lab down (use --keep-on-failure to inspect it)');
      await labDown(progress, { quiet: true }).catch((e: Error) => progress.info(`lab down: ${e.message}`));
    } else if (!ok) {
      progress.note(`lab left running for inspection: logs in ${labDir()}/logs, remove with: metallbts lab down`);
    }
  }
}

async function build(opts: UpOptions, progress: Progress): Promise<UpResult> {
  ensureLabDirs();
  initState();
  const net = new LabNetwork();
  await progress.step('created namespaces (switch, router, cp, node-a/b/c, client)', () => net.createNamespaces());
  await progress.step('wired the LAN 192.168.1.0/24 (bridge br0, one veth per host)', () => net.wireLan());
  await progress.step('nodes: kube-ipvs0 dummy + strictARP (arp_ignore=1, arp_announce=2)', () => net.prepareNodes());
  await progress.step('router: ip_forward=1; client: route 198.51.100.0/24 via 192.168.1.1', () => net.prepareRouting());

  const router = new LabRouter();
  await progress.step('router: FRR zebra + bgpd (AS 64500, listen range 192.168.1.0/24)', () => router.start());

  const cp = new LabControlPlane();
  await progress.step('cp: certificates (apiserver serves 192.168.1.5 and 127.0.0.1)', () => cp.generateCertificates());
  await progress.step('cp: etcd started', () => cp.startEtcd());
  await progress.step('cp: kube-apiserver ready on https://192.168.1.5:6443', () => cp.startApiserver());

  const kubectl = new LabKubectl();
  const cluster = new LabCluster(kubectl, cp);
  await progress.step('installed metallb-system: CRDs, ServiceAccounts, RBAC (chart rules)', () => cluster.installMetallbSystem());
  const kubeconfigs = await progress.step('ServiceAccount kubeconfigs for controller and speakers', () => cluster.serviceAccountKubeconfigs());
  await progress.step('created Nodes node-a/b/c (InternalIP 192.168.1.10-12)', () => cluster.createNodes());
  await progress.step('kubectl create secret generic -n metallb-system memberlist --from-literal=secretkey=...', () => cluster.createMemberlistSecret());
  await progress.step('node backends (the tutorial\'s nginx) answer on :80', () => startBackends());

  await progress.step('controller started (cp namespace)', async () => expectStaysUp([startController(kubeconfigs.controller)]));
  await progress.step('speakers started on node-a/b/c (memberlist on :7946)', async () => expectStaysUp(startSpeakers(kubeconfigs.speaker)));

  await progress.step('applied the layer2 tutorial ConfigMap (pool 192.168.1.240-192.168.1.250)', () => cluster.applyConfigMap(layer2ConfigMap()));
  await progress.step(`created Service ${L2_SERVICE} (LoadBalancer :80) and its EndpointSlice`, () => cluster.createService(L2_SERVICE));

  const checks: CheckResult[] = [];
  checks.push(await checkLayer2Tutorial({ progress, cluster, net }));
  if (opts.bgp) checks.push(await checkBgpTutorial({ progress, cluster, net, router }));

  progress.note('summary:');
  for (const c of checks) progress.info(`${c.ok ? 'OK  ' : 'FAIL'} ${c.name}: ${c.summary}`);
  const ok = checks.every((c) => c.ok);
  if (ok) progress.info(`lab is up. Try: metallbts lab status | metallbts lab failover | metallbts lab down (logs: ${labDir()}/logs)`);
  return { ok, checks };
}
