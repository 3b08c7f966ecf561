// `lab up`: the tutorials' network in namespaces, a real cluster on it, the chart installed as users install it, checked.
import { existsSync } from 'node:fs';
import { ChartRelease } from './chart-release';
import { LabControlPlane } from './control-plane';
import { saveHostSysctls } from './host-cleanup';
import { ensureImages, type LabImages } from './images';
import { labDown } from './lab-down';
import { LabCluster } from './lab-cluster';
import { LabKubectl } from './kubectl';
import { LabNode } from './lab-node';
import { tutorialNginxManifest } from './manifests';
import { missingPrerequisites } from './binaries';
import { LabNetwork } from './network';
import { Progress } from './progress';
import { LabRouter } from './router';
import { labAbort, runIn } from './shell';
import { ensureLabDirs, initState, labDir } from './state';
import { checkBgpTutorial, checkLayer2Tutorial, clientRouteViaRouter, waitForAnswer, type CheckResult } from './tutorial-checks';
import { L2_EXPECTED_IP, L2_SERVICE, METALLB_NAMESPACE, NODES } from './topology';

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

/** IPVS is per network namespace and only there when the kernel has it (this one may not: CONFIG_IP_VS). */
async function kernelHasIpvs(ns: string): Promise<boolean> {
  const r = await runIn(ns, 'cat', ['/proc/net/ip_vs'], { timeoutMs: 5000 });
  return r.code === 0 || existsSync('/proc/sys/net/ipv4/vs');
}

async function buildCluster(progress: Progress, images: LabImages): Promise<{ cluster: LabCluster; router: LabRouter }> {
  const net = new LabNetwork();
  await progress.step('created namespaces (switch, router, cp, node-a/b/c, client)', () => net.createNamespaces());
  await progress.step('wired the LAN 192.168.1.0/24 (bridge br0, one veth per host)', () => net.wireLan());
  const nodes = NODES.map((n) => new LabNode(n));
  await progress.step('nodes: default route via 192.168.1.1, pod routes 10.244.x.0/24 via each node, CNI bridge config',
    async () => { for (const n of nodes) await n.prepareNetwork(); });
  await progress.step('router: ip_forward=1, no redirects (ECMP routes come from zebra)', () => net.prepareRouting());
  const router = new LabRouter();
  await progress.step('router: FRR zebra + bgpd (AS 64500, listen range 192.168.1.0/24)', () => router.start());

  const cp = new LabControlPlane();
  await progress.step('cp: certificates (apiserver serves 192.168.1.5, 127.0.0.1, 10.96.0.1)', () => cp.generateCertificates());
  await progress.step('cp: etcd started', () => cp.startEtcd());
  await progress.step('cp: kube-apiserver ready on https://192.168.1.5:6443', () => cp.startApiserver());
  await progress.step('cp: kube-controller-manager ready', () => cp.startControllerManager());
  await progress.step('cp: kube-scheduler ready', () => cp.startScheduler());

  const cluster = new LabCluster(new LabKubectl());
  await progress.step('kube-system/kube-proxy ConfigMap (as kubeadm writes it: mode "", strictARP false)', () => cluster.createKubeProxyConfigMap());
  const ipvs = await kernelHasIpvs(nodes[0]!.host.ns);
  if (!ipvs) progress.info('this kernel has no IPVS (CONFIG_IP_VS unset): kube-proxy keeps mode "" (iptables); strictARP is set as the seed says');
  await progress.step(`$ ${ipvs ? 'kubectl get configmap kube-proxy ... | sed strictARP + mode ipvs | kubectl apply' : 'kubectl get configmap kube-proxy -n kube-system -o yaml | sed -e "s/strictARP: false/strictARP: true/" | kubectl apply -f - -n kube-system'}`,
    () => cluster.applyStrictArp(ipvs));
  const proxy = await cluster.kubeProxyConfig();
  progress.info(`kube-proxy ConfigMap now: mode: "${proxy.mode.mode}", strictARP: ${proxy.mode.strictARP}`);

  await progress.step('nodes: containerd started (own root, state, socket; nsenter --net)', async () => {
    await Promise.all(nodes.map((n) => n.startContainerd(images.pause.ref)));
  });
  await progress.step(`nodes: images imported (${[images.metallbts.ref, images.nginx.ref, images.pause.ref].join(', ')})`, async () => {
    await Promise.all(nodes.map((n) => n.importImages([images.pause.archive, images.metallbts.archive, images.nginx.archive])));
  });
  await progress.step('nodes: kubelet and kube-proxy started', async () => {
    saveHostSysctls(); // the kubelets set kernel tunables host-wide; `lab down` puts them back
    for (const n of nodes) {
      n.startKubelet(cp.pki!.caCert);
      n.startKubeProxy(proxy.text);
    }
  });
  const readyNodes = await progress.step('nodes registered by their kubelets and Ready', () => cluster.waitNodesReady());
  progress.info(readyNodes.trim());
  return { cluster, router };
}

async function build(opts: UpOptions, progress: Progress): Promise<UpResult> {
  ensureLabDirs();
  initState();
  const images = await progress.step('images: metallbts (our Dockerfile on a Debian-built Node 20 base), nginx (nginx-light), pause',
    () => ensureImages((l) => progress.info(l)));
  const { cluster, router } = await buildCluster(progress, images);

  const release = new ChartRelease(images.metallbts);
  await progress.step(`$ kubectl create namespace ${METALLB_NAMESPACE}`, () => cluster.createNamespace(METALLB_NAMESPACE));
  await progress.step(`$ kubectl create secret generic -n ${METALLB_NAMESPACE} memberlist --from-literal=secretkey="$(openssl rand -base64 128)"`,
    () => cluster.createMemberlistSecret());
  const helmStart = Date.now();
  await progress.step(`$ ${release.describe('install', 'layer2-tutorial.yaml')}`, () => release.install('layer2-tutorial.yaml'));
  await progress.step('controller and speakers Running and Ready', () => cluster.waitMetallbReady());
  progress.info(`$ kubectl get pods -n ${METALLB_NAMESPACE} -o wide\n${await cluster.getPodsWide()}`);
  await progress.step(`$ kubectl apply -f tutorial-2.yaml (nginx Deployment + LoadBalancer Service, image ${images.nginx.ref})`,
    () => cluster.apply(tutorialNginxManifest(images.nginx.ref)));
  await progress.step('nginx pod Running and Ready', () => cluster.waitDeploymentAvailable(L2_SERVICE));

  const checks: CheckResult[] = [];
  const d = { progress, cluster, release };
  checks.push(await checkLayer2Tutorial(d));
  if (checks[0]?.ok) progress.info(`helm install → first answered curl: ${((Date.now() - helmStart) / 1000).toFixed(1)} s`);
  if (opts.bgp) {
    checks.push(await checkBgpTutorial({ ...d, router }));
    await progress.step(`$ ${release.describe('upgrade', 'layer2-tutorial.yaml')} (back to the layer2 tutorial)`,
      () => release.upgrade('layer2-tutorial.yaml'));
    await progress.step('client: route via the router removed', () => clientRouteViaRouter(false));
    await progress.step(`curl http://${L2_EXPECTED_IP} answered again through ARP`, () => waitForAnswer(L2_EXPECTED_IP, 60_000));
  }

  progress.note('summary:');
  for (const c of checks) progress.info(`${c.ok ? 'OK  ' : 'FAIL'} ${c.name}: ${c.summary}`);
  const ok = checks.every((c) => c.ok);
  if (ok) progress.info(`lab is up. Try: metallbts lab kubectl -- get pods -A | metallbts lab status | metallbts lab failover | metallbts lab down`);
  return { ok, checks };
}
