// Events as operators see them: `kubectl describe svc` lists the controller's Events; repeats are one counted Event.
import * as yaml from 'js-yaml';
import { useControlPlane } from '../../harness/jest-control-plane';
import { eventually } from '../../support/metallb-system';
import { layer2ConfigMap } from '../../support/layer2-config-map';
import { useTestController } from './controller-fixture';

const cp = useControlPlane();
const config = layer2ConfigMap('192.168.1.240-192.168.1.250');
useTestController(cp, () => config);

const service = (name: string, annotations: Record<string, string> = {}, labels: Record<string, string> = {}): string =>
  yaml.dump({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', annotations, labels },
    spec: { type: 'LoadBalancer', selector: { app: name }, ports: [{ port: 80, protocol: 'TCP' }] },
  });

describe('Events in kubectl describe', () => {
  test('kubectl describe svc nginx lists IPAllocated from metallb-controller', async () => {
    await cp.kubectlOk(['apply', '-f', '-'], { input: service('nginx') });
    const described = await eventually('IPAllocated in describe', async () => {
      const out = await cp.kubectlOk(['describe', 'svc', 'nginx']);
      return /IPAllocated/.test(out) ? out : undefined;
    });
    expect(described).toMatch(/Events:\s*\n\s*Type\s+Reason\s+Age\s+From\s+Message/);
    expect(described).toMatch(/Normal\s+IPAllocated\s+\S+\s+metallb-controller\s+Assigned IP \["192\.168\.1\.240"\]/);
    const ev = await cp.kubectlJson<{ items: Array<{ involvedObject: Record<string, string> }> }>(['get', 'events', '--field-selector', 'involvedObject.name=nginx,reason=IPAllocated']);
    const svc = await cp.kubectlJson<{ metadata: { uid: string } }>(['get', 'svc', 'nginx']);
    expect(ev.items[0]!.involvedObject).toMatchObject({ kind: 'Service', apiVersion: 'v1', uid: svc.metadata.uid, resourceVersion: expect.any(String) });
  });

  test('a repeated AllocationFailed is one Event with a count, shown as "(xN over ...)"', async () => {
    // An IP outside every pool: each reconcile (here: each label change) fails the same way.
    await cp.kubectlOk(['apply', '-f', '-'], { input: service('clash', { 'metallb.io/loadBalancerIPs': '10.9.9.9' }) });
    for (let i = 1; i <= 3; i++) {
      await cp.kubectlOk(['label', 'svc', 'clash', `rev=${i}`, '--overwrite']);
      await eventually(`AllocationFailed count ${i + 1}`, async () => {
        const list = await cp.kubectlJson<{ items: Array<{ count?: number }> }>(['get', 'events', '--field-selector', 'involvedObject.name=clash,reason=AllocationFailed']);
        return list.items.length === 1 && (list.items[0]!.count ?? 0) >= i + 1 ? true : undefined;
      });
    }
    const list = await cp.kubectlJson<{ items: Array<{ count: number; type: string; message: string }> }>(['get', 'events', '--field-selector', 'involvedObject.name=clash,reason=AllocationFailed']);
    expect(list.items).toHaveLength(1);
    expect(list.items[0]).toMatchObject({ type: 'Warning', count: 4, message: expect.stringContaining('10.9.9.9') });
    const described = await cp.kubectlOk(['describe', 'svc', 'clash']);
    expect(described).toMatch(/Warning\s+AllocationFailed\s+\S+ \(x4 over \S+\)\s+metallb-controller/);
  });
});
