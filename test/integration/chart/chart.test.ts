// The Helm chart with the real helm binary: lint, strict values, pod hygiene, plugins, RBAC from the shared rules file.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { loadConfig } from '../../../src/core/config';
import { rbacManifests } from '../../support/metallb-system';
import { CHART, ROOT, find, helm, mainContainer, podMeta, podSpec, render, specOf, tempValues, valuesFile, type K8sDoc } from './helm';

const VALUES = readdirSync(join(ROOT, 'values')).filter((f) => f.endsWith('.yaml')).sort();

describe('Helm chart', () => {
  test('helm lint --strict passes with the defaults, every example values file, and everything turned on', async () => {
    for (const v of [undefined, ...VALUES]) {
      const r = await helm(['lint', '--strict', CHART, ...(v ? ['-f', valuesFile(v)] : [])]);
      expect([v, r.code, r.stdout]).toEqual([v, 0, expect.stringContaining('0 chart(s) failed')]);
      expect(r.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
    const everything = ['prometheus.serviceMonitor.enabled', 'prometheus.rules.enabled', 'grafana.dashboard.enabled', 'controller.networkPolicy.enabled', 'speaker.memberlist.createSecret']
      .flatMap((k) => ['--set', `${k}=true`]);
    const r = await helm(['lint', '--strict', CHART, ...everything, '-f', valuesFile('plugin-example.yaml')]);
    expect([r.code, r.stdout]).toEqual([0, expect.not.stringMatching(/\[(WARNING|ERROR)\]/)]);
  });

  test.each([
    [['--set', 'speaker.tolerate=x'], "at '/speaker': additional properties 'tolerate' not allowed"],
    [['--set', 'controler.enabled=false'], "additional properties 'controler' not allowed"],
    [['--set', 'speaker.memberlist.secretNmae=x'], "at '/speaker/memberlist': additional properties 'secretNmae' not allowed"],
    [['--set', 'speaker.memberlist.profile=slow'], '/speaker/memberlist/profile'],
    [['--set', 'speaker.memberlist.keyDerivation=metallb-0.13'], '/speaker/memberlist/keyDerivation'],
    [['--set', 'controller.metricsPort=http'], '/controller/metricsPort'],
    [['--set', 'speaker.plugins[0].name=a', '--set', 'speaker.plugins[0].image=i', '--set', 'speaker.plugins[0].modul=m'], "additional properties 'modul' not allowed"],
    [['--set', 'speaker.tolerations[0].efect=NoSchedule'], "additional properties 'efect' not allowed"],
    [['--set', 'prometheus.serviceMonitor.enable=true'], "at '/prometheus/serviceMonitor': additional properties 'enable' not allowed"],
  ])('values %j are refused naming the key', async (args, message) => {
    for (const cmd of [['template', 'metallbts', CHART], ['lint', '--strict', CHART]]) {
      const r = await helm([...cmd, ...args]);
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain(message);
    }
  });

  test('renders the controller Deployment and the hostNetwork speaker DaemonSet with the memberlist key from the Secret', async () => {
    const docs = await render();
    const controller = find(docs, 'Deployment', 'controller');
    const speaker = find(docs, 'DaemonSet', 'speaker');
    expect(mainContainer(controller).args).toEqual(['controller', '--namespace=metallb-system', '--metrics-port=7472', '--memberlist-secret=memberlist']);
    expect(podSpec(speaker).hostNetwork).toBe(true);
    const sp = mainContainer(speaker);
    expect(sp.args).toEqual(expect.arrayContaining([
      'speaker', '--node-name=$(METALLB_NODE_NAME)', '--memberlist-bind=[$(METALLB_HOST)]:7946', '--memberlist-key-derivation=metallb-v0.16.2',
    ]));
    const key = sp.env.find((e: { name: string }) => e.name === 'METALLB_ML_SECRET_KEY');
    expect(key.valueFrom.secretKeyRef).toEqual({ name: 'memberlist', key: 'secretkey' });
    expect(docs.filter((d) => d.kind === 'Secret')).toEqual([]); // the user's Secret, or the controller's, by default
  });

  test('pod hygiene: speaker NET_RAW+NET_ADMIN only, read-only root, not privileged; controller non-root; both seccomp RuntimeDefault', async () => {
    const docs = await render();
    const speaker = find(docs, 'DaemonSet', 'speaker');
    const controller = find(docs, 'Deployment', 'controller');
    expect(mainContainer(speaker).securityContext).toEqual({
      runAsUser: 0, privileged: false, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'], add: ['NET_RAW', 'NET_ADMIN'] },
    });
    expect(mainContainer(controller).securityContext).toEqual({
      runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] },
    });
    expect(podSpec(controller).securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(podSpec(speaker).securityContext).toEqual({ seccompProfile: { type: 'RuntimeDefault' } });
    expect(podSpec(speaker).priorityClassName).toBe('system-node-critical');
    expect(podSpec(controller).priorityClassName).toBeUndefined();
    for (const d of [speaker, controller]) {
      const c = mainContainer(d);
      expect([c.livenessProbe.httpGet, c.readinessProbe.httpGet]).toEqual([{ path: '/healthz', port: 'metrics' }, { path: '/readyz', port: 'metrics' }]);
      expect(c.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
      expect(podSpec(d).volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } }]);
    }
    expect(specOf(speaker).updateStrategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } });
  });

  test('scheduling and extras reach both pods: tolerations, nodeSelector, affinity, resources, annotations, labels, args, env, priority, update strategy', async () => {
    const affinity = { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'lb', operator: 'In', values: ['yes'] }] }] } } };
    const per = (c: string) => ({
      priorityClassName: `${c}-prio`,
      tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'lb', effect: 'NoExecute' }],
      nodeSelector: { lb: 'yes' },
      affinity,
      resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '256Mi' } },
      podAnnotations: { 'example.com/a': c },
      podLabels: { team: c },
      extraArgs: ['--metrics-host=0.0.0.0'],
      extraEnv: [{ name: 'EXTRA', value: c }],
    });
    const overrides = { controller: per('controller'), speaker: { ...per('speaker'), updateStrategy: { type: 'OnDelete' } } };
    const docs = await render(['-f', tempValues(overrides)]);
    for (const [kind, name] of [['Deployment', 'controller'], ['DaemonSet', 'speaker']] as const) {
      const d = find(docs, kind, name);
      const want = per(name);
      const spec = podSpec(d);
      expect([spec.priorityClassName, spec.tolerations, spec.nodeSelector, spec.affinity]).toEqual([want.priorityClassName, want.tolerations, { 'kubernetes.io/os': 'linux', lb: 'yes' }, affinity]); // helm merges maps with the defaults
      expect(mainContainer(d).resources).toEqual(want.resources);
      expect(podMeta(d).annotations).toMatchObject(want.podAnnotations);
      expect(podMeta(d).labels).toMatchObject({ team: name, 'app.kubernetes.io/component': name });
      expect(mainContainer(d).args.at(-1)).toBe('--metrics-host=0.0.0.0');
      expect(mainContainer(d).env).toContainEqual({ name: 'EXTRA', value: name });
    }
    expect(specOf(find(docs, 'DaemonSet', 'speaker')).updateStrategy).toEqual({ type: 'OnDelete' });
  });

  test('RBAC rules are exactly the shared rules file (what the integration tests prove least-privilege)', async () => {
    const rules = yaml.load(readFileSync(join(CHART, 'files', 'rbac-rules.yaml'), 'utf8')) as Record<string, { cluster: unknown[]; namespace: unknown[] }>;
    const docs = await render();
    for (const c of ['controller', 'speaker']) {
      expect(find(docs, 'ClusterRole', `metallbts:${c}`).rules).toEqual(rules[c]!.cluster);
      expect(find(docs, 'Role', c).rules).toEqual(rules[c]!.namespace);
    }
  });

  test('Secrets are granted by name: the memberlist Secret in use, and for the speaker the BGP password Secrets', async () => {
    const docs = await render(['--set', 'speaker.memberlist.secretName=ml-key', '--set', 'speaker.bgpPasswordSecrets={peer-a,peer-b}']);
    type Rule = { resources: string[]; resourceNames?: string[]; verbs: string[] };
    const secretRules = (role: string) => (find(docs, 'Role', role).rules as Rule[]).filter((r) => r.resources.includes('secrets'));
    expect(secretRules('speaker')).toEqual([{ apiGroups: [''], resources: ['secrets'], resourceNames: ['ml-key', 'peer-a', 'peer-b'], verbs: ['get', 'list', 'watch'] }]);
    expect(secretRules('controller')).toEqual([
      { apiGroups: [''], resources: ['secrets'], verbs: ['create'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['ml-key'], verbs: ['get', 'list', 'watch'] },
    ]);
    expect(mainContainer(find(docs, 'Deployment', 'controller')).args).toContain('--memberlist-secret=ml-key');
  });

  test("the tests' RBAC helper grants what the chart grants for the same BGP password Secrets", async () => {
    const docs = await render(['--set', 'speaker.bgpPasswordSecrets={bgp-auth}']);
    const helper = yaml.loadAll(rbacManifests('metallb-system', { speakerSecrets: ['bgp-auth'] })) as K8sDoc[];
    for (const c of ['controller', 'speaker']) expect(find(helper, 'Role', c).rules).toEqual(find(docs, 'Role', c).rules);
  });

  test('memberlist.createSecret renders a Secret with a random key (helm template has no cluster to look up)', async () => {
    const docs = await render(['--set', 'speaker.memberlist.createSecret=true']);
    const secret = find(docs, 'Secret', 'memberlist') as K8sDoc & { data: { secretkey: string } };
    expect(Buffer.from(secret.data.secretkey, 'base64').toString()).toMatch(/^[A-Za-z0-9]{128}$/);
  });

  test('plugins through values: an init container per plugin copies it into the speaker and the controller, which both load it', async () => {
    const docs = await render(['-f', valuesFile('plugin-example.yaml')]);
    const module = 'metallbts-plugin-webhook';
    for (const d of [find(docs, 'DaemonSet', 'speaker'), find(docs, 'Deployment', 'controller')]) {
      const spec = podSpec(d);
      expect(spec.initContainers).toEqual([expect.objectContaining({
        name: 'plugin-webhook',
        image: 'ghcr.io/metallbts/metallbts-plugin-webhook:0.1.0',
        command: ['cp', '-R', '/plugin/.', `/plugins/node_modules/${module}/`],
        volumeMounts: [{ name: 'plugin-webhook', mountPath: `/plugins/node_modules/${module}` }],
      })]);
      expect(spec.initContainers[0].securityContext).toMatchObject({ runAsNonRoot: true, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      expect(spec.volumes).toContainEqual({ name: 'plugin-webhook', emptyDir: { sizeLimit: '256Mi' } });
      const c = mainContainer(d);
      expect(c.volumeMounts).toContainEqual({ name: 'plugin-webhook', mountPath: `/plugins/node_modules/${module}`, readOnly: true });
      expect(c.args).toContain(`--plugin=${module}`);
      const env = Object.fromEntries(c.env.filter((e: { value?: string }) => e.value !== undefined).map((e: { name: string; value: string }) => [e.name, e.value]));
      expect(env.NODE_PATH).toBe('/plugins/node_modules');
      expect(JSON.parse(env.METALLBTS_PLUGIN_OPTIONS)).toEqual([{
        module, protocol: 'webhook', secrets: ['webhook-token'],
        options: { url: 'https://lb-api.example.internal/v1/vips', tokenSecret: { name: 'webhook-token', key: 'token' }, timeoutMs: 5000, maxAttempts: 0 },
      }]);
    }
    // The plugin's Secrets join the speaker's readable Secrets (by name), not the controller's.
    const secretNames = (role: string): unknown => (find(docs, 'Role', role).rules as Array<{ resources: string[]; resourceNames?: string[] }>)
      .filter((r) => r.resources.includes('secrets') && r.resourceNames).map((r) => r.resourceNames);
    expect(secretNames('speaker')).toEqual([['memberlist', 'webhook-token']]);
    expect(secretNames('controller')).toEqual([['memberlist']]);
  });

  test('the controller NetworkPolicy (opt-in): metrics in, API server out', async () => {
    expect((await render()).filter((d) => d.kind === 'NetworkPolicy')).toEqual([]);
    const np = find(await render(['--set', 'controller.networkPolicy.enabled=true']), 'NetworkPolicy', 'controller') as K8sDoc & { spec: unknown };
    expect(np.spec).toEqual({
      podSelector: { matchLabels: { 'app.kubernetes.io/name': 'metallbts', 'app.kubernetes.io/instance': 'metallbts', 'app.kubernetes.io/component': 'controller' } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ ports: [{ protocol: 'TCP', port: 7472 }] }],
      egress: [{ ports: [{ protocol: 'TCP', port: 443 }, { protocol: 'TCP', port: 6443 }] }],
    });
  });

  test.each(VALUES)('values/%s renders a valid configuration', async (file) => {
    const docs = await render(['-f', valuesFile(file)]);
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'config') as (K8sDoc & { data: Record<string, string> }) | undefined;
    if (!cm) {
      expect(file).toBe('crds-layer2.yaml'); // the CRD scenario configures through IPAddressPool objects instead
      return;
    }
    const text = yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: cm.metadata, data: cm.data });
    // The plugin example names a third-party protocol: valid only when that plugin is installed (test/unit/cli/plugin-options.test.ts loads one).
    const names: Record<string, string> = { layer2: 'layer2', arp: 'layer2', bgp: 'bgp' };
    if (file === 'plugin-example.yaml') names.webhook = 'webhook';
    const result = loadConfig([{ file, text }], { protocols: (n) => names[n], installed: [...new Set(Object.values(names))] });
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(result.config?.pools.length).toBeGreaterThan(0);
  });

  test('the tutorial values give the tutorial pool 192.168.1.240-192.168.1.250 with layer2', async () => {
    const docs = await render(['-f', valuesFile('layer2-tutorial.yaml')]);
    const cm = find(docs, 'ConfigMap', 'config');
    const result = loadConfig([{ file: 'cm', text: yaml.dump({ kind: 'ConfigMap', apiVersion: 'v1', metadata: cm.metadata, data: (cm as { data?: unknown }).data }) }]);
    expect(result.config?.pools.map((p) => [p.name, p.protocols, p.ranges.map((r) => r.text)])).toEqual([['my-ip-space', ['layer2'], ['192.168.1.240-192.168.1.250']]]);
  });
});
