// The Kubernetes side of the lab, done with kubectl in the cp namespace as a user of the tutorials would.
import { randomBytes } from 'node:crypto';
import { cachedBinary } from './binaries';
import { assertClusterRunning } from './components';
import type { LabKubectl } from './kubectl';
import { kubeProxyConfigMap, kubeProxyMode, type KubeProxyMode } from './node-config';
import { pollUntil, runIn } from './shell';
import { labPaths } from './state';
import { CONTROL_PLANE, METALLB_NAMESPACE, NODES } from './topology';

interface PodList {
  items: Array<{
    metadata: { name: string; labels?: Record<string, string> };
    spec: { nodeName?: string };
    status: { phase?: string; podIP?: string; containerStatuses?: Array<{ ready?: boolean; containerID?: string; restartCount?: number }> };
  }>;
}

export interface PodSummary {
  name: string;
  node?: string;
  ready: boolean;
  phase?: string;
  containerId?: string;
  restarts: number;
}

/** The seed's fix for kube-proxy, as one shell pipeline (IPVS mode only when the kernel has IPVS). */
export function strictArpPipeline(withIpvs: boolean): string {
  const sed = withIpvs ? `sed -e "s/strictARP: false/strictARP: true/" -e 's/mode: ""/mode: ipvs/'` : 'sed -e "s/strictARP: false/strictARP: true/"';
  return `kubectl get configmap kube-proxy -n kube-system -o yaml | ${sed} | kubectl apply -f - -n kube-system`;
}

export class LabCluster {
  constructor(private readonly kubectl: LabKubectl) {}

  /** kube-system/kube-proxy as kubeadm leaves it (`mode: ""`, `strictARP: false`): what the seed starts from. */
  async createKubeProxyConfigMap(): Promise<void> {
    await this.kubectl.ok(['apply', '-f', '-'], { input: kubeProxyConfigMap() });
  }

  /** Runs the seed's `kubectl get ... | sed ... | kubectl apply` for real, in a shell, with the lab's kubeconfig. */
  async applyStrictArp(withIpvs: boolean): Promise<void> {
    const bin = cachedBinary('kubectl').replace(/\/kubectl$/, '');
    const r = await runIn(CONTROL_PLANE.ns, 'env', [`PATH=${bin}:/usr/sbin:/usr/bin:/sbin:/bin`, `KUBECONFIG=${labPaths.adminKubeconfig()}`,
      'bash', '-c', `set -o pipefail; ${strictArpPipeline(withIpvs)}`], { timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`strictARP pipeline exited ${r.code}: ${r.stderr.trim()}`);
  }

  async kubeProxyConfig(): Promise<{ text: string; mode: KubeProxyMode }> {
    const text = (await this.kubectl.ok(['get', 'configmap', 'kube-proxy', '-n', 'kube-system', '-o', 'jsonpath={.data.config\\.conf}'])).trim();
    return { text, mode: kubeProxyMode(text) };
  }

  /** Every node registered by its kubelet and Ready (CNI configured, runtime up). */
  waitNodesReady(timeoutMs = 180_000): Promise<string> {
    return pollUntil('node-a/b/c Ready', async () => {
      assertClusterRunning();
      const out = await this.kubectl.ok(['get', 'nodes', '-o',
        'jsonpath={range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
      const ready = out.split('\n').filter((l) => l.endsWith('=True')).length;
      return ready >= NODES.length ? out : undefined;
    }, { timeoutMs, everyMs: 1000 });
  }

  async createNamespace(name: string): Promise<void> {
    await this.kubectl.ok(['create', 'namespace', name]);
  }

  /** As the seeds say: kubectl create secret generic -n metallb-system memberlist --from-literal=secretkey="$(openssl rand -base64 128)". */
  async createMemberlistSecret(): Promise<void> {
    const key = randomBytes(128).toString('base64');
    await this.kubectl.ok(['create', 'secret', 'generic', '-n', METALLB_NAMESPACE, 'memberlist', `--from-literal=secretkey=${key}`]);
  }

  /** Pods of a component (`controller` / `speaker`) of the chart. */
  async pods(component: string, namespace = METALLB_NAMESPACE): Promise<PodSummary[]> {
    const list = await this.kubectl.json<PodList>(['get', 'pods', '-n', namespace, '-l', `app.kubernetes.io/component=${component}`]);
    return list.items.map((p) => ({
      name: p.metadata.name, node: p.spec.nodeName, phase: p.status.phase,
      ready: (p.status.containerStatuses ?? []).length > 0 && (p.status.containerStatuses ?? []).every((c) => c.ready),
      containerId: p.status.containerStatuses?.[0]?.containerID?.replace(/^containerd:\/\//, ''),
      restarts: (p.status.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0),
    }));
  }

  /** Waits for 1 Ready controller and a Ready speaker on every node. */
  async waitMetallbReady(timeoutMs = 240_000): Promise<void> {
    await pollUntil('1 controller and 3 speakers Ready', async () => {
      assertClusterRunning();
      const [c, s] = [await this.pods('controller'), await this.pods('speaker')];
      const okNodes = new Set(s.filter((p) => p.ready).map((p) => p.node));
      return c.filter((p) => p.ready).length === 1 && NODES.every((n) => okNodes.has(n.name)) ? true : undefined;
    }, { timeoutMs, everyMs: 1000 });
  }

  /** Waits until the speaker on `node` runs Ready in a container other than `before` (restarted by its kubelet). */
  async waitSpeakerRestarted(node: string, before: string | undefined, timeoutMs = 180_000): Promise<void> {
    await pollUntil(`a new, Ready speaker container on ${node}`, async () => {
      const p = (await this.pods('speaker')).find((x) => x.node === node);
      return p?.ready && p.containerId && p.containerId !== before ? true : undefined;
    }, { timeoutMs, everyMs: 500 });
  }

  async scale(deployment: string, replicas: number): Promise<void> {
    await this.kubectl.ok(['scale', 'deploy', deployment, `--replicas=${replicas}`]);
  }

  apply(manifest: string): Promise<string> {
    return this.kubectl.apply(manifest);
  }

  /** Waits (bounded) for status.loadBalancer.ingress[0].ip. */
  waitForIngress(name: string, timeoutMs = 60_000): Promise<string> {
    return pollUntil(`an EXTERNAL-IP for Service ${name}`, async () => {
      assertClusterRunning();
      const ip = (await this.kubectl.ok(['get', 'svc', name, '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim();
      return ip || undefined;
    }, { timeoutMs, everyMs: 500 });
  }

  /** Waits until `deployment` has all its replicas available. */
  async waitDeploymentAvailable(name: string, timeoutMs = 180_000): Promise<void> {
    await pollUntil(`deployment ${name} available`, async () => {
      assertClusterRunning();
      const out = (await this.kubectl.ok(['get', 'deploy', name, '-o', 'jsonpath={.status.availableReplicas}/{.spec.replicas}'])).trim();
      const [a, w] = out.split('/');
      return a && a === w ? true : undefined;
    }, { timeoutMs, everyMs: 1000 });
  }

  getService(name: string): Promise<string> {
    return this.kubectl.ok(['get', 'svc', name]);
  }

  getPodsWide(namespace = METALLB_NAMESPACE): Promise<string> {
    return this.kubectl.ok(['get', 'pods', '-n', namespace, '-o', 'wide']);
  }

  /** Speaker log lines (all pods), as `kubectl logs -l ... -n metallb-system` prints them. */
  async speakerLogs(tail = 2000): Promise<string> {
    const r = await this.kubectl.run(['logs', '-n', METALLB_NAMESPACE, '-l', 'app.kubernetes.io/component=speaker',
      `--tail=${tail}`, '--prefix', '--max-log-requests=10'], { timeoutMs: 30_000 });
    return r.stdout;
  }

  /** Events about the Service (IPAllocated, AllocationFailed...), for diagnosis. */
  serviceEvents(name: string): Promise<string> {
    return this.kubectl.ok(['get', 'events', '--field-selector', `involvedObject.name=${name}`,
      '-o', 'custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message', '--no-headers']).catch((e: Error) => e.message);
  }
}
