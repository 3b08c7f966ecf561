// Least privilege, proven on a real apiserver: `kubectl auth can-i` as each ServiceAccount the chart creates.
import * as yaml from 'js-yaml';
import { useControlPlane } from '../../harness/jest-control-plane';
import { CHART, helm } from './helm';

const cp = useControlPlane();
const NS = 'chart-rbac';
const OTHER = 'chart-rbac-other';

/** [verb, resource (type, type/name, or type with --subresource), namespace ('*' = all), allowed]. */
type Check = [string, string, string, boolean, string?];

const CONTROLLER: Check[] = [
  ['list', 'services', '*', true], ['watch', 'services', '*', true], ['get', 'services', OTHER, true],
  ['patch', 'services', OTHER, true, 'status'], ['update', 'services', OTHER, true, 'status'],
  ['create', 'events', OTHER, true], ['list', 'namespaces', '*', true],
  ['list', 'configmaps', NS, true], ['create', 'secrets', NS, true], ['get', 'secrets/memberlist', NS, true],
  ['list', 'ipaddresspools.metallb.io', NS, true], ['list', 'bgppeers.metallb.io', NS, true],
  ['patch', 'ipaddresspools.metallb.io', NS, true, 'status'], ['create', 'configurationstates.metallb.io', NS, true],
  ['list', 'pluginadvertisements.metallbts.io', NS, true], ['watch', 'pluginadvertisements.metallbts.io', NS, true],
  // refused
  ['create', 'pluginadvertisements.metallbts.io', NS, false], ['list', 'pluginadvertisements.metallbts.io', OTHER, false],
  ['update', 'services', OTHER, false], ['patch', 'services', OTHER, false], ['create', 'services', OTHER, false], ['delete', 'services', OTHER, false],
  ['list', 'secrets', NS, false], ['get', 'secrets/peer-password', NS, false], ['get', 'secrets/sh.helm.release.v1.metallbts.v1', NS, false],
  ['get', 'secrets/memberlist', OTHER, false], ['create', 'secrets', OTHER, false], ['delete', 'secrets/memberlist', NS, false],
  ['list', 'pods', NS, false], ['list', 'nodes', '*', false], ['list', 'configmaps', OTHER, false], ['create', 'configmaps', NS, false],
  ['create', 'ipaddresspools.metallb.io', NS, false], ['update', 'ipaddresspools.metallb.io', NS, false], ['delete', 'bgppeers.metallb.io', NS, false],
  ['create', 'servicel2statuses.metallb.io', NS, false], ['list', 'ipaddresspools.metallb.io', OTHER, false],
  ['create', 'clusterroles.rbac.authorization.k8s.io', '*', false], ['create', 'rolebindings.rbac.authorization.k8s.io', NS, false],
];

const SPEAKER: Check[] = [
  ['list', 'services', '*', true], ['watch', 'nodes', '*', true], ['get', 'nodes', '*', true], ['list', 'endpointslices.discovery.k8s.io', '*', true],
  ['create', 'events', OTHER, true], ['list', 'configmaps', NS, true],
  ['get', 'secrets/memberlist', NS, true], ['get', 'secrets/peer-password', NS, true],
  ['list', 'l2advertisements.metallb.io', NS, true], ['list', 'bgppeers.metallb.io', NS, true], ['list', 'bfdprofiles.metallb.io', NS, true],
  ['create', 'servicel2statuses.metallb.io', NS, true], ['delete', 'servicebgpstatuses.metallb.io', NS, true], ['patch', 'servicel2statuses.metallb.io', NS, true, 'status'],
  ['list', 'pluginadvertisements.metallbts.io', NS, true], ['watch', 'pluginadvertisements.metallbts.io', NS, true],
  ['update', 'pluginadvertisements.metallbts.io', NS, false], ['list', 'pluginadvertisements.metallbts.io', OTHER, false],
  // refused: Secrets other than the named ones (Helm's release Secrets live here), anywhere else, or listed
  ['get', 'secrets/sh.helm.release.v1.metallbts.v1', NS, false], ['get', 'secrets/other-password', NS, false], ['list', 'secrets', NS, false],
  ['get', 'secrets/memberlist', OTHER, false], ['get', 'secrets/peer-password', OTHER, false], ['update', 'secrets/memberlist', NS, false],
  ['create', 'secrets', NS, false],
  ['list', 'pods', NS, false], ['list', 'endpoints', '*', false], ['list', 'namespaces', '*', false], ['patch', 'nodes', '*', false],
  ['update', 'services', OTHER, false, 'status'], ['patch', 'services', OTHER, false],
  ['create', 'ipaddresspools.metallb.io', NS, false], ['patch', 'ipaddresspools.metallb.io', NS, false, 'status'],
  // the speaker writes its own ConfigurationState (speaker-NODE: config result, conditions, memberlist view) but deletes none
  ['create', 'configurationstates.metallb.io', NS, true], ['delete', 'configurationstates.metallb.io', NS, false],
  ['create', 'configurationstates.metallb.io', OTHER, false],
  ['delete', 'configmaps', NS, false], ['list', 'servicel2statuses.metallb.io', OTHER, false],
  ['create', 'clusterroles.rbac.authorization.k8s.io', '*', false],
];

const CHECKS: Record<string, Check[]> = { controller: CONTROLLER, speaker: SPEAKER };

async function canI(sa: string, [verb, resource, ns, , sub]: Check): Promise<boolean> {
  const args = ['auth', 'can-i', verb, resource, ...(ns === '*' ? ['--all-namespaces'] : ['-n', ns]), ...(sub ? [`--subresource=${sub}`] : [])];
  const r = await cp.kubectl(args, { as: `system:serviceaccount:${NS}:${sa}` });
  if (r.code !== 0 && r.code !== 1) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.code === 0;
}

describe('chart RBAC on a real apiserver', () => {
  let serviceAccounts: string[] = [];

  beforeAll(async () => {
    await cp.kubectlOk(['create', 'namespace', OTHER]);
    const r = await helm(['install', 'metallbts', CHART, '-n', NS, '--create-namespace', '--set', 'speaker.bgpPasswordSecrets={peer-password}', '--kubeconfig', cp.get().kubeconfigPath]);
    if (r.code !== 0) throw new Error(`helm install: ${r.stderr}`);
    const manifest = (await helm(['get', 'manifest', 'metallbts', '-n', NS, '--kubeconfig', cp.get().kubeconfigPath])).stdout;
    serviceAccounts = yaml.loadAll(manifest).filter((d): d is { kind: string; metadata: { name: string } } => !!d && (d as { kind?: string }).kind === 'ServiceAccount').map((d) => d.metadata.name).sort();
  }, 120_000);

  test('every ServiceAccount the chart creates is covered here', () => {
    expect(serviceAccounts).toEqual(Object.keys(CHECKS).sort());
  });

  test.each(Object.keys(CHECKS))('%s: may do exactly what its code needs, and is refused the rest', async (sa) => {
    const wrong: string[] = [];
    for (const check of CHECKS[sa]!) {
      const got = await canI(sa, check);
      if (got !== check[3]) wrong.push(`${check[0]} ${check[1]}${check[4] ? `/${check[4]}` : ''} in ${check[2]}: expected ${check[3] ? 'yes' : 'no'}, got ${got ? 'yes' : 'no'}`);
    }
    expect(wrong).toEqual([]);
  }, 120_000);

  test('the API really refuses: the speaker reads its Secrets and gets Forbidden for Helm\'s release Secret', async () => {
    await cp.kubectlOk(['create', 'secret', 'generic', '-n', NS, 'memberlist', '--from-literal=secretkey=k']);
    await cp.kubectlOk(['create', 'secret', 'generic', '-n', NS, 'peer-password', '--type=kubernetes.io/basic-auth', '--from-literal=password=p']);
    const as = { as: `system:serviceaccount:${NS}:speaker` };
    expect((await cp.kubectl(['get', 'secret', 'peer-password', '-n', NS, '-o', 'name'], as)).stdout.trim()).toBe('secret/peer-password');
    const release = await cp.kubectl(['get', 'secret', 'sh.helm.release.v1.metallbts.v1', '-n', NS], as);
    expect([release.code, release.stderr]).toEqual([1, expect.stringContaining('Forbidden')]);
  }, 60_000);
});
