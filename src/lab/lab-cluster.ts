// The Kubernetes side of `lab up`: what the chart and the tutorials apply, done with kubectl in the cp namespace.
import { randomBytes } from 'node:crypto';
import type { LabControlPlane } from './control-plane';
import type { LabKubectl } from './kubectl';
import {
  crdManifestPath, crdResources, endpointSliceManifest, nodesManifest, rbacManifest, serviceManifest,
} from './manifests';
import { assertComponentsRunning } from './components';
import { pollUntil } from './shell';
import { METALLB_NAMESPACE } from './topology';

export interface ServiceAccountKubeconfigs {
  /** For the controller in the cp namespace (loopback server). */
  controller: string;
  /** For the speakers in the node namespaces (https://192.168.1.5:6443). */
  speaker: string;
}

export class LabCluster {
  constructor(private readonly kubectl: LabKubectl, private readonly cp: LabControlPlane) {}

  /** Namespace, CRDs, ServiceAccounts and RBAC: what `helm install` of the chart creates besides the workloads. */
  async installMetallbSystem(): Promise<void> {
    await this.kubectl.ok(['create', 'namespace', METALLB_NAMESPACE]);
    await this.kubectl.ok(['apply', '--server-side', '-f', crdManifestPath()], { timeoutMs: 60_000 });
    await this.kubectl.ok(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all'], { timeoutMs: 70_000 });
    await this.waitForCrdStorage();
    await this.kubectl.apply(rbacManifest());
  }

  /**
   * Established is not enough: right after it, lists of the new kinds can still answer 429 "storage is
   * (re)initializing". Wait until every metallb.io kind lists, so the components start against a settled API.
   */
  private async waitForCrdStorage(): Promise<void> {
    const kinds = crdResources().join(',');
    await pollUntil('the metallb.io CRDs to be served', async () => {
      const r = await this.kubectl.run(['get', kinds, '-A', '-o', 'name'], { timeoutMs: 15_000 });
      if (r.code !== 0) throw new Error(r.stderr.trim());
      return true;
    }, { timeoutMs: 60_000, everyMs: 500 });
  }

  async serviceAccountKubeconfigs(): Promise<ServiceAccountKubeconfigs> {
    const token = async (sa: string): Promise<string> =>
      (await this.kubectl.ok(['-n', METALLB_NAMESPACE, 'create', 'token', sa, '--duration=48h'])).trim();
    return {
      controller: this.cp.writeServiceAccountKubeconfig('controller', this.cp.loopbackServer, await token('controller')),
      speaker: this.cp.writeServiceAccountKubeconfig('speaker', this.cp.lanServer, await token('speaker')),
    };
  }

  async createNodes(): Promise<void> {
    await this.kubectl.ok(['create', '-f', '-'], { input: nodesManifest() });
  }

  /** As the tutorial says: kubectl create secret generic -n metallb-system memberlist --from-literal=secretkey="$(openssl rand -base64 128)". */
  async createMemberlistSecret(): Promise<void> {
    const key = randomBytes(128).toString('base64');
    await this.kubectl.ok(['create', 'secret', 'generic', '-n', METALLB_NAMESPACE, 'memberlist', `--from-literal=secretkey=${key}`]);
  }

  applyConfigMap(manifest: string): Promise<string> {
    return this.kubectl.apply(manifest);
  }

  /** The Service, and the EndpointSlice the EndpointSlice controller would have written for its pods. */
  async createService(name: string, pool?: string): Promise<void> {
    await this.kubectl.apply(serviceManifest(name, pool));
    await this.kubectl.apply(endpointSliceManifest(name));
  }

  /** Waits (bounded) for status.loadBalancer.ingress[0].ip; fails at once if the controller or a speaker died. */
  waitForIngress(name: string, timeoutMs = 60_000): Promise<string> {
    return pollUntil(`an EXTERNAL-IP for Service ${name}`, async () => {
      assertComponentsRunning();
      const ip = (await this.kubectl.ok(['get', 'svc', name, '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim();
      return ip || undefined;
    }, { timeoutMs, everyMs: 500 });
  }

  getService(name: string): Promise<string> {
    return this.kubectl.ok(['get', 'svc', name]);
  }

  /** Events about the Service (IPAllocated, AllocationFailed...), for diagnosis. */
  serviceEvents(name: string): Promise<string> {
    return this.kubectl.ok(['get', 'events', '--field-selector', `involvedObject.name=${name}`,
      '-o', 'custom-columns=TYPE:.type,REASON:.reason,MESSAGE:.message', '--no-headers']).catch((e: Error) => e.message);
  }
}
