// Installs what the chart would (namespace, CRDs, ServiceAccounts + RBAC from the chart's rules file) into a harness control plane.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as yaml from 'js-yaml';
import type { SharedControlPlane } from '../harness/jest-control-plane';

/** The part of a harness control plane these helpers use (tests pass useControlPlane(), benches their own). */
export type ControlPlaneAccess = Pick<SharedControlPlane, 'get' | 'kubectlOk'>;

/** The repository root, from test/support under jest or dist/test/support in benches. */
function repoRoot(): string {
  let dir = __dirname;
  for (let i = 0; i < 6 && !existsSync(join(dir, 'charts', 'metallbts', 'Chart.yaml')); i++) dir = dirname(dir);
  return dir;
}

const CHART = join(repoRoot(), 'charts', 'metallbts');
export const NAMESPACE = 'metallb-system';

/** A metallb.io object of `kind` in metallb-system, as YAML for `kubectl apply` (an L2Advertisement may have no spec). */
export function metallbObjectYaml(kind: 'IPAddressPool' | 'L2Advertisement', name: string, spec?: Record<string, unknown>): string {
  return yaml.dump({ apiVersion: 'metallb.io/v1beta1', kind, metadata: { name, namespace: NAMESPACE }, ...(spec ? { spec } : {}) });
}

interface Rules {
  controller: { cluster: unknown[]; namespace: unknown[] };
  speaker: { cluster: unknown[]; namespace: unknown[] };
}

/** Secrets the speaker may read besides `memberlist`: what the chart's `speaker.bgpPasswordSecrets` adds. */
export interface RbacOptions {
  speakerSecrets?: string[];
}

type Rule = { resources?: string[]; resourceNames?: string[] };

/** The RBAC objects the chart renders, built from the same rules file (with the chart's Secret-name substitution). */
export function rbacManifests(namespace = NAMESPACE, opts: RbacOptions = {}): string {
  const rules = yaml.load(readFileSync(join(CHART, 'files', 'rbac-rules.yaml'), 'utf8')) as Rules;
  const docs: unknown[] = [];
  for (const component of ['controller', 'speaker'] as const) {
    const extra = component === 'speaker' ? (opts.speakerSecrets ?? []) : [];
    const named = (rule: Rule): Rule =>
      rule.resources?.includes('secrets') && rule.resourceNames ? { ...rule, resourceNames: [...new Set([...rule.resourceNames, ...extra])] } : rule;
    const r = { cluster: rules[component].cluster, namespace: (rules[component].namespace as Rule[]).map(named) };
    const subject = [{ kind: 'ServiceAccount', name: component, namespace }];
    docs.push(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: component, namespace } },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: `metallbts:${component}` }, rules: r.cluster },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: `metallbts:${component}` },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `metallbts:${component}` },
        subjects: subject,
      },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: component, namespace }, rules: r.namespace },
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'RoleBinding',
        metadata: { name: component, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: component },
        subjects: subject,
      },
    );
  }
  return docs.map((d) => yaml.dump(d)).join('---\n');
}

/** Namespace, CRDs and RBAC; returns kubeconfig paths that authenticate as the two ServiceAccounts. */
export async function installMetallbSystem(cp: ControlPlaneAccess, opts: RbacOptions = {}): Promise<{ controller: string; speaker: string }> {
  await cp.kubectlOk(['create', 'namespace', NAMESPACE]);
  await cp.kubectlOk(['apply', '-f', join(CHART, 'charts', 'crds', 'templates', 'crds.yaml')]);
  await cp.kubectlOk(['wait', '--for=condition=Established', '--timeout=60s', 'crd', '--all']);
  await cp.kubectlOk(['apply', '-f', '-'], { input: rbacManifests(NAMESPACE, opts) });
  return {
    controller: await serviceAccountKubeconfig(cp, 'controller'),
    speaker: await serviceAccountKubeconfig(cp, 'speaker'),
  };
}

async function serviceAccountKubeconfig(cp: ControlPlaneAccess, sa: string): Promise<string> {
  const token = (await cp.kubectlOk(['-n', NAMESPACE, 'create', 'token', sa, '--duration=2h'])).trim();
  const c = cp.get();
  const path = join(c.dir, `${sa}.kubeconfig`);
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'harness', cluster: { server: c.server, 'certificate-authority': c.caFile } }],
    users: [{ name: sa, user: { token } }],
    contexts: [{ name: sa, context: { cluster: 'harness', user: sa } }],
    'current-context': sa,
  };
  writeFileSync(path, yaml.dump(kubeconfig));
  return path;
}

/** Polls `check` until it returns a value (not undefined), bounded in time. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; Date.now() < deadline && i < 10_000; i++) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export async function httpGetText(url: string): Promise<string> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
  return res.text();
}
