// The Helm chart with the real helm binary: lint, template per example values file, RBAC from the shared rules file.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { binPath } from '../../harness/bins';
import { loadConfig } from '../../../src/core/config';

const ROOT = join(__dirname, '..', '..', '..');
const CHART = join(ROOT, 'charts', 'metallbts');
const VALUES = readdirSync(join(ROOT, 'values')).filter((f) => f.endsWith('.yaml')).sort();

interface K8sDoc {
  kind: string;
  metadata: { name: string; namespace?: string };
  data?: Record<string, string>;
  rules?: unknown[];
  spec?: { template?: { spec?: { hostNetwork?: boolean; containers?: Array<{ args?: string[]; env?: Array<{ name: string }> }> } } };
}

function helm(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(binPath('helm'), args, { timeout: 60_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

async function render(valuesFile?: string, extra: string[] = []): Promise<K8sDoc[]> {
  const args = ['template', 'metallbts', CHART, '-n', 'metallb-system', ...(valuesFile ? ['-f', join(ROOT, 'values', valuesFile)] : []), ...extra];
  const r = await helm(args);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return yaml.loadAll(r.stdout).filter((d): d is K8sDoc => !!d);
}

describe('Helm chart', () => {
  test('helm lint passes with the defaults and every example values file', async () => {
    for (const v of [undefined, ...VALUES]) {
      const r = await helm(['lint', CHART, ...(v ? ['-f', join(ROOT, 'values', v)] : [])]);
      expect([v, r.code, r.stdout]).toEqual([v, 0, expect.stringContaining('0 chart(s) failed')]);
    }
  });

  test('renders the controller Deployment and the hostNetwork speaker DaemonSet with the memberlist key from the Secret', async () => {
    const docs = await render();
    const controller = docs.find((d) => d.kind === 'Deployment' && d.metadata.name === 'controller');
    const speaker = docs.find((d) => d.kind === 'DaemonSet' && d.metadata.name === 'speaker');
    expect(controller?.spec?.template?.spec?.containers?.[0].args?.[0]).toBe('controller');
    expect(speaker?.spec?.template?.spec?.hostNetwork).toBe(true);
    const sp = speaker?.spec?.template?.spec?.containers?.[0];
    expect(sp?.args).toEqual(expect.arrayContaining(['speaker', '--node-name=$(METALLB_NODE_NAME)', '--memberlist-bind=$(METALLB_HOST):7946']));
    expect(sp?.env?.map((e) => e.name)).toEqual(expect.arrayContaining(['METALLB_NODE_NAME', 'METALLB_ML_SECRET_KEY']));
  });

  test('RBAC rules are exactly the shared rules file (what the integration tests prove least-privilege)', async () => {
    const rules = yaml.load(readFileSync(join(CHART, 'files', 'rbac-rules.yaml'), 'utf8')) as Record<string, { cluster: unknown[]; namespace: unknown[] }>;
    const docs = await render();
    for (const c of ['controller', 'speaker']) {
      expect(docs.find((d) => d.kind === 'ClusterRole' && d.metadata.name === `metallbts:${c}`)?.rules).toEqual(rules[c].cluster);
      expect(docs.find((d) => d.kind === 'Role' && d.metadata.name === c)?.rules).toEqual(rules[c].namespace);
    }
  });

  test.each(VALUES)('values/%s renders a valid configuration', async (file) => {
    const docs = await render(file, ['--set', 'speaker.plugins=null']);
    const cm = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === 'config');
    if (!cm) {
      expect(file).toBe('crds-layer2.yaml'); // the CRD scenario configures through IPAddressPool objects instead
      return;
    }
    const text = yaml.dump({ apiVersion: 'v1', kind: 'ConfigMap', metadata: cm.metadata, data: cm.data });
    // The plugin example names a third-party protocol: valid only when that plugin is installed.
    const names: Record<string, string> = { layer2: 'layer2', arp: 'layer2', bgp: 'bgp' };
    if (file === 'plugin-example.yaml') names['static-route'] = 'static-route';
    const result = loadConfig([{ file, text }], { protocols: (n) => names[n], installed: [...new Set(Object.values(names))] });
    expect(result.issues.filter((i) => i.severity === 'error')).toEqual([]);
    expect(result.config?.pools.length).toBeGreaterThan(0);
  });

  test('the tutorial values give the tutorial pool 192.168.1.240-192.168.1.250 with layer2', async () => {
    const docs = await render('layer2-tutorial.yaml');
    const cm = docs.find((d) => d.kind === 'ConfigMap');
    const result = loadConfig([{ file: 'cm', text: yaml.dump({ kind: 'ConfigMap', apiVersion: 'v1', metadata: cm?.metadata, data: cm?.data }) }]);
    expect(result.config?.pools.map((p) => [p.name, p.protocols, p.ranges.map((r) => r.text)])).toEqual([['my-ip-space', ['layer2'], ['192.168.1.240-192.168.1.250']]]);
  });
});
