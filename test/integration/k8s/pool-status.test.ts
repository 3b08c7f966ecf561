// IPAddressPool status counters written by the controller (least-privilege ServiceAccount) to a real kube-apiserver.
import { useControlPlane } from '../../harness/jest-control-plane';
import { eventually, metallbObjectYaml, NAMESPACE } from '../../support/metallb-system';
import { useTestController } from './controller-fixture';

const cp = useControlPlane({ serviceClusterIpRange: '10.96.0.0/16,fd00:10:96::/112' });

const POOLS = [metallbObjectYaml('IPAddressPool', 'dual', { addresses: ['192.168.9.240/29', 'fc00:9::/124'] }), metallbObjectYaml('L2Advertisement', 'l2')].join('---\n');

const service = (name: string, families: string[]): string => `
apiVersion: v1
kind: Service
metadata:
  name: ${name}
  namespace: default
spec:
  type: LoadBalancer
  ipFamilyPolicy: ${families.length > 1 ? 'RequireDualStack' : 'SingleStack'}
  ipFamilies: [${families.join(', ')}]
  selector: { app: ${name} }
  ports: [{ port: 80 }]
`;

interface PoolStatus {
  assignedIPv4?: number;
  assignedIPv6?: number;
  availableIPv4?: number;
  availableIPv6?: number;
}

/** Waits until the pool's status equals `want` (bounded); returns the last status seen otherwise, for the diff. */
async function statusBecomes(want: PoolStatus): Promise<PoolStatus | undefined> {
  let last: PoolStatus | undefined;
  try {
    await eventually(`status ${JSON.stringify(want)}`, async () => {
      last = (await cp.kubectlJson<{ status?: PoolStatus }>(['-n', NAMESPACE, 'get', 'ipaddresspools', 'dual'])).status;
      return JSON.stringify(last) === JSON.stringify(want) ? true : undefined;
    });
  } catch {
    // The assertion below shows what was there instead.
  }
  return last;
}

useTestController(cp, () => POOLS);

describe('IPAddressPool status', () => {
  test('the controller writes assigned/available counters per family, as MetalLB does, and follows allocations', async () => {
    expect(await statusBecomes({ assignedIPv4: 0, assignedIPv6: 0, availableIPv4: 8, availableIPv6: 16 })).toEqual({
      assignedIPv4: 0,
      assignedIPv6: 0,
      availableIPv4: 8,
      availableIPv6: 16,
    });
    await cp.kubectlOk(['apply', '-f', '-'], { input: service('web', ['IPv4', 'IPv6']) });
    await cp.kubectlOk(['apply', '-f', '-'], { input: service('api', ['IPv4']) });
    expect(await statusBecomes({ assignedIPv4: 2, assignedIPv6: 1, availableIPv4: 6, availableIPv6: 15 })).toEqual({
      assignedIPv4: 2,
      assignedIPv6: 1,
      availableIPv4: 6,
      availableIPv6: 15,
    });
    await cp.kubectlOk(['-n', 'default', 'delete', 'svc', 'web']);
    expect(await statusBecomes({ assignedIPv4: 1, assignedIPv6: 0, availableIPv4: 7, availableIPv6: 16 })).toEqual({
      assignedIPv4: 1,
      assignedIPv6: 0,
      availableIPv4: 7,
      availableIPv6: 16,
    });
  });

  test('kubectl get ipaddresspools -o wide shows the counters', async () => {
    const [header = '', row = ''] = (await cp.kubectlOk(['-n', NAMESPACE, 'get', 'ipaddresspools', 'dual', '-o', 'wide'])).trim().split('\n');
    expect(header.split(/\s{2,}/)).toEqual(['NAME', 'AUTO ASSIGN', 'AVOID BUGGY IPS', 'ADDRESSES', 'ASSIGNED IPV4', 'AVAILABLE IPV4', 'ASSIGNED IPV6', 'AVAILABLE IPV6']);
    expect(row.split(/\s{2,}/).slice(4)).toEqual(['1', '7', '0', '16']);
  });
});
