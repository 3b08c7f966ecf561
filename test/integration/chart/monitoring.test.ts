// The chart's monitoring: metrics Services, opt-in monitors, a PrometheusRule that promtool accepts and whose alerts fire, the dashboard.
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { ROOT, find, helm, render, CHART, type K8sDoc } from './helm';

const PROMTOOL = '/usr/bin/promtool';

function promtool(args: string[]): Promise<{ code: number; out: string }> {
  if (!existsSync(PROMTOOL)) throw new Error(`${PROMTOOL} missing: install Debian's prometheus package (test/harness/install.sh does)`);
  return new Promise((resolve) => {
    execFile(PROMTOOL, args, { timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, out: stdout + stderr });
    });
  });
}

/** Every metallb_* / metallbts_* metric name our code registers (src/ and plugins/). */
function ourMetricNames(): Set<string> {
  const names = new Set<string>();
  const visit = (dir: string): void => {
    for (const f of readdirSync(dir)) {
      const p = join(dir, f);
      if (statSync(p).isDirectory()) visit(p);
      else if (f.endsWith('.ts')) for (const m of readFileSync(p, 'utf8').matchAll(/['"`](metallbt?s?_[a-z0-9_]+)['"`]/g)) names.add(m[1]!);
    }
  };
  visit(join(ROOT, 'src'));
  visit(join(ROOT, 'plugins'));
  return names;
}

const metricNamesIn = (expr: string): string[] => [...expr.matchAll(/\b(metallbt?s?_[a-z0-9_]+)/g)].map((m) => m[1]!);

type Rules = { groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }> };

async function renderedRules(extra: string[] = []): Promise<Rules> {
  const rule = find(await render(['--set', 'prometheus.rules.enabled=true', ...extra]), 'PrometheusRule', 'metallbts') as K8sDoc & { spec: Rules };
  return rule.spec;
}

describe('chart monitoring', () => {
  test('a headless metrics Service per component, selecting its pods on the metrics port', async () => {
    const docs = await render();
    for (const [c, port] of [['controller', 7472], ['speaker', 7473]] as const) {
      const svc = find(docs, 'Service', `${c}-metrics`) as K8sDoc & { spec: unknown };
      expect(svc.spec).toEqual({
        type: 'ClusterIP', clusterIP: 'None',
        selector: { 'app.kubernetes.io/name': 'metallbts', 'app.kubernetes.io/instance': 'metallbts', 'app.kubernetes.io/component': c },
        ports: [{ name: 'metrics', port, targetPort: 'metrics', protocol: 'TCP' }],
      });
    }
    expect((await render(['--set', 'prometheus.metricsService.enabled=false'])).filter((d) => d.kind === 'Service')).toEqual([]);
  });

  test('monitoring objects are opt-in; ServiceMonitor and PodMonitor scrape the metrics port; both at once is refused', async () => {
    const kinds = (docs: K8sDoc[]) => docs.map((d) => d.kind).filter((k) => ['ServiceMonitor', 'PodMonitor', 'PrometheusRule'].includes(k));
    expect(kinds(await render())).toEqual([]);
    const sm = find(await render(['--set', 'prometheus.serviceMonitor.enabled=true', '--set', 'prometheus.serviceMonitor.labels.release=kps']), 'ServiceMonitor', 'metallbts') as K8sDoc & { spec: { endpoints: unknown[] } };
    expect(sm.metadata.labels?.release).toBe('kps');
    expect(sm.spec.endpoints).toEqual([expect.objectContaining({ port: 'metrics', path: '/metrics', interval: '30s' })]);
    const pm = find(await render(['--set', 'prometheus.podMonitor.enabled=true']), 'PodMonitor', 'metallbts') as K8sDoc & { spec: { podMetricsEndpoints: unknown[] } };
    expect(pm.spec.podMetricsEndpoints).toEqual([expect.objectContaining({ port: 'metrics' })]);
    const both = await helm(['template', 'm', CHART, '--set', 'prometheus.serviceMonitor.enabled=true', '--set', 'prometheus.podMonitor.enabled=true']);
    expect([both.code, both.stderr]).toEqual([1, expect.stringContaining('enable prometheus.serviceMonitor or prometheus.podMonitor, not both')]);
  });

  test('the PrometheusRule passes promtool check rules and uses only metric names our code exports', async () => {
    const spec = await renderedRules();
    const dir = mkdtempSync(join(tmpdir(), 'chart-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), yaml.dump(spec));
    const r = await promtool(['check', 'rules', join(dir, 'rules.yaml')]);
    expect([r.code, r.out]).toEqual([0, expect.stringContaining('SUCCESS: 9 rules found')]);
    const ours = ourMetricNames();
    const used = spec.groups.flatMap((g) => g.rules.flatMap((x) => metricNamesIn(x.expr)));
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((n) => !ours.has(n))).toEqual([]);
    expect(spec.groups[0]!.rules.map((x) => x.alert)).toEqual([
      'MetalLBTSConfigStale', 'MetalLBTSConfigNotLoaded', 'MetalLBTSAddressPoolExhausted', 'MetalLBTSAddressPoolNearlyExhausted',
      'MetalLBTSBGPSessionDown', 'MetalLBTSDuplicateOwner', 'MetalLBTSSpeakerDown', 'MetalLBTSSpeakerMissing', 'MetalLBTSControllerDown',
    ]);
  });

  test('each alert fires on our metrics where it should, and only there (promtool test rules)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chart-rules-'));
    writeFileSync(join(dir, 'rules.yaml'), yaml.dump(await renderedRules()));
    copyFileSync(join(ROOT, 'test', 'fixtures', 'chart', 'alerts.promtool.yaml'), join(dir, 'alerts.promtool.yaml'));
    const r = await promtool(['test', 'rules', join(dir, 'alerts.promtool.yaml')]);
    expect([r.code, r.out]).toEqual([0, expect.stringContaining('SUCCESS')]);
  });

  test('the Grafana dashboard: an opt-in ConfigMap for the sidecar; every panel query parses and uses our metric names', async () => {
    expect((await render()).filter((d) => d.metadata.name === 'metallbts-dashboard')).toEqual([]);
    const cm = find(await render(['--set', 'grafana.dashboard.enabled=true']), 'ConfigMap', 'metallbts-dashboard') as K8sDoc & { data: Record<string, string> };
    expect(cm.metadata.labels?.grafana_dashboard).toBe('1');
    const dash = JSON.parse(cm.data['metallbts.json']!) as { uid: string; panels: Array<{ title: string; type: string; targets?: Array<{ expr: string }> }> };
    expect(dash.uid).toBe('metallbts');
    const titles = dash.panels.map((p) => p.title).join('\n');
    for (const want of [/Pool usage/, /per node/, /Failovers/, /BGP session/]) expect(titles).toMatch(want);
    const exprs = dash.panels.flatMap((p) => p.targets ?? []).map((t) => t.expr.replace(/\$namespace/g, 'metallb-system'));
    expect(exprs.length).toBeGreaterThan(10);
    const ours = ourMetricNames();
    expect(exprs.flatMap(metricNamesIn).filter((n) => !ours.has(n))).toEqual([]);
    // promtool parses PromQL in rule files: every panel query as a recording rule.
    const dir = mkdtempSync(join(tmpdir(), 'chart-dash-'));
    writeFileSync(join(dir, 'dash.yaml'), yaml.dump({ groups: [{ name: 'dashboard', rules: exprs.map((expr, i) => ({ record: `metallbts:panel_${i}`, expr })) }] }));
    const r = await promtool(['check', 'rules', join(dir, 'dash.yaml')]);
    expect([r.code, r.out]).toEqual([0, expect.stringContaining(`SUCCESS: ${exprs.length} rules found`)]);
  });
});
