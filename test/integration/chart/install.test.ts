// helm install / upgrade / uninstall of the chart against a real kube-apiserver: every values file is accepted, nothing is left behind.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { useControlPlane } from '../../harness/jest-control-plane';
import { CHART, ROOT, helm, tempValues, valuesFile, type HelmResult } from './helm';

const cp = useControlPlane();
// One namespace and release name for every install, as users have: CRDs a release keeps after uninstall carry its
// name and namespace, so a later install elsewhere could not adopt them.
const NS = 'metallb-system';
const VALUES = readdirSync(join(ROOT, 'values')).filter((f) => f.endsWith('.yaml')).sort();

/** helm against the harness apiserver; throws with helm's output on failure. */
async function helmOk(args: string[]): Promise<HelmResult> {
  const r = await helm([...args, '--kubeconfig', cp.get().kubeconfigPath]);
  if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}:\n${r.stderr}${r.stdout}`);
  return r;
}

/** Names of every object in the namespace and every cluster-scoped object, as `kind.group/name`. */
async function snapshot(ns: string): Promise<Set<string>> {
  const names = new Set<string>();
  for (const scoped of [true, false]) {
    const kinds = (await cp.kubectlOk(['api-resources', '--verbs=list', `--namespaced=${scoped}`, '-o', 'name'])).split('\n').filter(Boolean)
      // Read-only or computed kinds the chart cannot create.
      .filter((k) => !['events', 'events.events.k8s.io', 'componentstatuses'].includes(k));
    const out = await cp.kubectlOk(['get', kinds.join(','), '-o', 'name', ...(scoped ? ['-n', ns] : [])]);
    for (const line of out.split('\n').filter(Boolean)) names.add(scoped ? `${ns}:${line}` : line);
  }
  return names;
}

const difference = (a: Set<string>, b: Set<string>): string[] => [...a].filter((x) => !b.has(x)).sort();
/** CRDs stay after uninstall by Helm's rule for CRDs (with the APIServices the apiserver makes for their group); everything else must go. */
const notCrd = (name: string): boolean =>
  !/^customresourcedefinition\.apiextensions\.k8s\.io\/.*\.metallb(ts)?\.io$/.test(name) && !/^apiservice\.apiregistration\.k8s\.io\/v[0-9a-z]+\.metallb(ts)?\.io$/.test(name);

async function secretKey(ns: string, name: string): Promise<{ key: string; releaseName?: string }> {
  const s = await cp.kubectlJson<{ data: { secretkey: string }; metadata: { annotations?: Record<string, string> } }>(['get', 'secret', name, '-n', ns]);
  return { key: Buffer.from(s.data.secretkey, 'base64').toString(), releaseName: s.metadata.annotations?.['meta.helm.sh/release-name'] };
}

describe('chart on a real apiserver', () => {
  beforeAll(async () => {
    await cp.kubectlOk(['apply', '-f', join(ROOT, 'test', 'fixtures', 'chart', 'monitoring-crds.yaml')]);
    await cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
    await cp.kubectlOk(['create', 'namespace', NS]);
  }, 90_000);

  test.each(VALUES)('values/%s installs (every object accepted) and uninstalls without leftovers', async (file) => {
    const ns = NS;
    const before = await snapshot(ns);
    const r = await helmOk(['install', 'metallbts', CHART, '-n', ns, '-f', valuesFile(file)]);
    expect(r.stdout).toContain('STATUS: deployed');
    const manifest = (await helmOk(['get', 'manifest', 'metallbts', '-n', ns])).stdout;
    expect(manifest).toContain('kind: DaemonSet');
    await cp.kubectlOk(['get', 'daemonset/speaker', 'deployment/controller', 'serviceaccount/speaker', 'role/speaker', '-n', ns]);
    await helmOk(['uninstall', 'metallbts', '-n', ns]);
    const after = await snapshot(ns);
    expect(difference(after, before).filter(notCrd)).toEqual([]);
  }, 120_000);

  test('helm install refuses a misspelt value before creating anything, naming the key', async () => {
    for (const [set, message] of [['speaker.tolerate=x', "at '/speaker': additional properties 'tolerate' not allowed"], ['controler.enabled=false', "additional properties 'controler' not allowed"]]) {
      const r = await helm(['install', 'metallbts', CHART, '-n', 'chart-typo', '--create-namespace', '--set', set!, '--kubeconfig', cp.get().kubeconfigPath]);
      expect([r.code, r.stderr]).toEqual([1, expect.stringContaining(message!)]);
    }
    expect((await cp.kubectl(['get', 'namespace', 'chart-typo'])).code).not.toBe(0);
  }, 60_000);

  test('everything on (monitoring, dashboard, NetworkPolicy, plugins, chart-made Secret, extras) is accepted', async () => {
    const ns = NS;
    const values = tempValues({
      speaker: {
        memberlist: { createSecret: true }, bgpPasswordSecrets: ['peer-password'],
        plugins: [{ name: 'static-route', image: 'registry.example/plugin:1', module: 'metallbts-plugin-static-route', options: { table: 100 } }],
        extraEnv: [{ name: 'A', value: 'b' }], podAnnotations: { x: 'y' },
        updateStrategy: { type: 'OnDelete' },
      },
      controller: { networkPolicy: { enabled: true }, priorityClassName: 'system-cluster-critical', resources: { requests: { cpu: '10m', memory: '32Mi' } } },
      prometheus: { serviceMonitor: { enabled: true }, rules: { enabled: true } },
      grafana: { dashboard: { enabled: true } },
    });
    const r = await helmOk(['install', 'metallbts', CHART, '-n', ns, '-f', values, '-f', valuesFile('plugin-example.yaml')]);
    expect(r.stdout).toContain('The chart creates Secret memberlist with a random key.');
    const objects = await cp.kubectlOk(['get', 'servicemonitor,prometheusrule,networkpolicy,configmap,service,secret', '-n', ns, '-o', 'name']);
    for (const o of ['servicemonitor.monitoring.coreos.com/metallbts', 'prometheusrule.monitoring.coreos.com/metallbts', 'networkpolicy.networking.k8s.io/controller',
      'configmap/metallbts-dashboard', 'configmap/config', 'service/controller-metrics', 'service/speaker-metrics', 'secret/memberlist']) {
      expect(objects).toContain(o);
    }
    await helmOk(['uninstall', 'metallbts', '-n', ns]);
    await cp.kubectlOk(['delete', 'secret', 'memberlist', '-n', ns]); // kept by the chart (resource-policy)
  }, 120_000);

  test('NOTES: asks for the memberlist Secret only while it is missing, then says how to go on', async () => {
    const ns = NS;
    const first = await helmOk(['install', 'metallbts', CHART, '-n', ns]);
    expect(first.stdout).toContain('Secret memberlist was not found. Create it');
    expect(first.stdout).toContain(`kubectl create secret generic -n ${ns} memberlist --from-literal=secretkey="$(openssl rand -base64 128)"`);
    expect(first.stdout).toContain('kind: IPAddressPool');
    expect(first.stdout).toContain('kubectl get svc -A -w');
    await cp.kubectlOk(['create', 'secret', 'generic', '-n', ns, 'memberlist', '--from-literal=secretkey=chosen-by-the-user']);
    const second = await helmOk(['upgrade', 'metallbts', CHART, '-n', ns, '-f', valuesFile('layer2-tutorial.yaml')]);
    expect(second.stdout).toContain('Secret memberlist is there: the speakers use it.');
    expect(second.stdout).toContain('The inline configuration (ConfigMap config) is installed');
    await helmOk(['uninstall', 'metallbts', '-n', ns]);
    await cp.kubectlOk(['delete', 'secret', 'memberlist', '-n', ns]);
  }, 120_000);

  test("createSecret never touches a user's Secret, and keeps its own key across upgrades, turning it off, uninstall and reinstall", async () => {
    // A Secret made with kubectl, as the tutorials say: left alone by install, upgrade and uninstall.
    const userNs = NS;
    await cp.kubectlOk(['create', 'secret', 'generic', '-n', userNs, 'memberlist', '--from-literal=secretkey=chosen-by-the-user']);
    await helmOk(['install', 'metallbts', CHART, '-n', userNs, '--set', 'speaker.memberlist.createSecret=true']);
    await helmOk(['upgrade', 'metallbts', CHART, '-n', userNs, '--set', 'speaker.memberlist.createSecret=true', '-f', valuesFile('bgp-tutorial.yaml')]);
    expect(await secretKey(userNs, 'memberlist')).toEqual({ key: 'chosen-by-the-user', releaseName: undefined });
    await helmOk(['uninstall', 'metallbts', '-n', userNs]);
    expect((await secretKey(userNs, 'memberlist')).key).toBe('chosen-by-the-user');
    await cp.kubectlOk(['delete', 'secret', 'memberlist', '-n', userNs]);

    // No Secret: the chart makes one, keeps its key through upgrades (another values file too), uninstall and reinstall.
    const ns = NS;
    await helmOk(['install', 'metallbts', CHART, '-n', ns, '--set', 'speaker.memberlist.createSecret=true', '-f', valuesFile('layer2-tutorial.yaml')]);
    const made = await secretKey(ns, 'memberlist');
    expect(made).toEqual({ key: expect.stringMatching(/^[A-Za-z0-9]{128}$/), releaseName: 'metallbts' });
    await helmOk(['upgrade', 'metallbts', CHART, '-n', ns, '--set', 'speaker.memberlist.createSecret=true', '-f', valuesFile('bgp-tutorial.yaml')]);
    await helmOk(['upgrade', 'metallbts', CHART, '-n', ns, '--reuse-values', '--set', 'logLevel=debug']);
    expect(await secretKey(ns, 'memberlist')).toEqual(made);
    await helmOk(['upgrade', 'metallbts', CHART, '-n', ns, '--set', 'speaker.memberlist.createSecret=false']);
    expect(await secretKey(ns, 'memberlist')).toEqual(made);
    await helmOk(['uninstall', 'metallbts', '-n', ns]);
    expect(await secretKey(ns, 'memberlist')).toEqual(made);
    await helmOk(['install', 'metallbts', CHART, '-n', ns, '--set', 'speaker.memberlist.createSecret=true']);
    expect(await secretKey(ns, 'memberlist')).toEqual(made);
    await helmOk(['uninstall', 'metallbts', '-n', ns]);
    await cp.kubectlOk(['delete', 'secret', 'memberlist', '-n', ns]);
  }, 180_000);

  test('helm upgrade between two values files changes what differs and leaves nothing of the old one', async () => {
    const ns = NS;
    const before = await snapshot(ns);
    await helmOk(['install', 'metallbts', CHART, '-n', ns, '-f', valuesFile('layer2-tutorial.yaml'), '--set', 'prometheus.rules.enabled=true', '--set', 'controller.networkPolicy.enabled=true']);
    expect(await cp.kubectlOk(['get', 'configmap', 'config', '-n', ns, '-o', 'jsonpath={.data.config}'])).toContain('layer2');
    await helmOk(['upgrade', 'metallbts', CHART, '-n', ns, '-f', valuesFile('bgp-tutorial.yaml'), '--set', 'grafana.dashboard.enabled=true']);
    expect(await cp.kubectlOk(['get', 'configmap', 'config', '-n', ns, '-o', 'jsonpath={.data.config}'])).toContain('peer-address: 192.168.1.1');
    // Objects of the first values only (rule, NetworkPolicy) are gone; the new dashboard is there.
    const names = await cp.kubectlOk(['get', 'prometheusrule,networkpolicy,configmap', '-n', ns, '-o', 'name']);
    expect(names).not.toMatch(/prometheusrule|networkpolicy/);
    expect(names).toContain('configmap/metallbts-dashboard');
    // Switching to the CRD scenario removes the inline ConfigMap.
    await helmOk(['upgrade', 'metallbts', CHART, '-n', ns, '-f', valuesFile('crds-layer2.yaml')]);
    expect((await cp.kubectl(['get', 'configmap', 'config', '-n', ns])).code).not.toBe(0);
    await helmOk(['uninstall', 'metallbts', '-n', ns]);
    expect(difference(await snapshot(ns), before).filter(notCrd)).toEqual([]);
  }, 180_000);
});
