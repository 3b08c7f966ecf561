// Proves the harness drives a real kube-apiserver + etcd: apply, read back, and RBAC enforcement.
import { existsSync } from 'node:fs';
import { useControlPlane } from '../harness/jest-control-plane';

interface K8sObject {
  metadata: { name: string; namespace?: string; uid?: string };
  data?: Record<string, string>;
  spec?: { type?: string; clusterIP?: string; ports?: Array<{ port: number; nodePort?: number }> };
}

const cp = useControlPlane();

const manifest = `
apiVersion: v1
kind: Namespace
metadata:
  name: harness-test
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: config
  namespace: harness-test
data:
  hello: world
---
apiVersion: v1
kind: Service
metadata:
  name: nginx
  namespace: harness-test
spec:
  type: LoadBalancer
  selector:
    app: nginx
  ports:
    - name: http
      port: 80
      targetPort: 80
`;

describe('test harness control plane', () => {
  it('serves /readyz and writes a usable kubeconfig', async () => {
    const c = cp.get();
    expect(c.server).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(existsSync(c.kubeconfigPath)).toBe(true);
    expect((await cp.kubectlOk(['get', '--raw', '/readyz'])).trim()).toBe('ok');
    const version = await cp.kubectlJson<{ serverVersion: { gitVersion: string } }>(['version']);
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+/);
  });

  it('applies a Namespace, ConfigMap and LoadBalancer Service and reads them back', async () => {
    const out = await cp.kubectlOk(['apply', '-f', '-'], { input: manifest });
    expect(out).toContain('namespace/harness-test');
    expect(out).toContain('configmap/config');
    expect(out).toContain('service/nginx');

    const ns = await cp.kubectlJson<K8sObject>(['get', 'namespace', 'harness-test']);
    expect(ns.metadata.uid).toBeTruthy();
    const cm = await cp.kubectlJson<K8sObject>(['-n', 'harness-test', 'get', 'configmap', 'config']);
    expect(cm.data).toEqual({ hello: 'world' });
    const svc = await cp.kubectlJson<K8sObject>(['-n', 'harness-test', 'get', 'service', 'nginx']);
    expect(svc.spec?.type).toBe('LoadBalancer');
    expect(svc.spec?.clusterIP).toMatch(/^10\.96\./);
    expect(svc.spec?.ports?.[0]?.nodePort).toBeGreaterThanOrEqual(30000);
  });

  it('enforces RBAC: a service account without roles cannot list services, admin can', async () => {
    await cp.kubectlOk(['-n', 'harness-test', 'create', 'serviceaccount', 'nobody']);
    const sa = 'system:serviceaccount:harness-test:nobody';
    const denied = await cp.kubectl(['auth', 'can-i', 'list', 'services', '-n', 'harness-test'], { as: sa });
    expect(denied.stdout.trim()).toBe('no');
    expect(denied.code).not.toBe(0);
    const forbidden = await cp.kubectl(['-n', 'harness-test', 'get', 'services'], { as: sa });
    expect(forbidden.code).not.toBe(0);
    expect(forbidden.stderr).toMatch(/forbidden/i);
    expect((await cp.kubectlOk(['auth', 'can-i', 'list', 'services', '-n', 'harness-test'])).trim()).toBe('yes');

    // Granting a Role flips the answer, so the "no" above came from RBAC and not from a broken setup.
    await cp.kubectlOk(['-n', 'harness-test', 'create', 'role', 'svc-reader', '--verb=list', '--resource=services']);
    await cp.kubectlOk(['-n', 'harness-test', 'create', 'rolebinding', 'svc-reader', '--role=svc-reader',
      '--serviceaccount=harness-test:nobody']);
    const allowed = await cp.kubectl(['auth', 'can-i', 'list', 'services', '-n', 'harness-test'], { as: sa });
    expect(allowed.stdout.trim()).toBe('yes');
  });
});
