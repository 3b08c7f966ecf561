// The real-cluster proof: `lab up` (real kubelets, our image, helm install), then failover, rolling upgrade, chaos, uninstall, down.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ChartRelease } from '../../src/lab/chart-release';
import { killSpeakerContainer, measureFailover, currentOwner } from '../../src/lab/failover-probe';
import { LabKubectl } from '../../src/lab/kubectl';
import { LabCluster } from '../../src/lab/lab-cluster';
import { LabNode } from '../../src/lab/lab-node';
import { arpAnswerers, curlFromClient } from '../../src/lab/probes';
import { labDir } from '../../src/lab/state';
import { L2_EXPECTED_IP, NODES, nodeByMac } from '../../src/lab/topology';
import { acquireLabLock } from './lab-lock';
import {
  cachedImageRef, cacheDir, cli, CLI, type CliRun, expectLabDownLeavesNothing, labDownAndRelease, pollWhile, rootNet, sleep,
} from './lab-session';

const kubectl = new LabKubectl();
const cluster = new LabCluster(kubectl);
const svcIp = async (name: string): Promise<string> =>
  (await kubectl.ok(['get', 'svc', name, '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).trim();

describe('the real cluster: chart pods on real kubelets (e2e, root)', () => {
  let up: CliRun;
  let rootBefore: string;
  let release: ChartRelease;

  beforeAll(async () => {
    expect(process.getuid?.()).toBe(0);
    await acquireLabLock(40 * 60_000); // one lab at a time (migration.test.ts runs one too)
    rootBefore = rootNet();
    up = await cli(['lab', 'up'], 1_500_000);
    release = new ChartRelease({ ref: cachedImageRef('metallbts'), archive: '' });
  }, 4_000_000);

  afterAll(labDownAndRelease, 200_000);

  it('lab up: helm install puts 1 controller and 3 speakers on the nodes, and the tutorials happen', async () => {
    if (up.code !== 0) throw new Error(`lab up exited ${up.code}:\n${up.output}`);
    expect(up.output).toMatch(/nginx\s+LoadBalancer\s+\S+\s+192\.168\.1\.240\s/);
    expect(up.output).toMatch(/OK\s+layer2 tutorial: .*Welcome to nginx!/);
    expect(up.output).toMatch(/OK\s+bgp tutorial: .*router route via 192\.168\.1\.10, 192\.168\.1\.11, 192\.168\.1\.12/);
    expect(up.output).toMatch(/speaker log: .*"event":"serviceAnnounced".*192\.168\.1\.240/);
    const pods = await cli(['lab', 'kubectl', '--', 'get', 'pods', '-n', 'metallb-system', '-o', 'wide'], 60_000);
    expect(pods.code).toBe(0);
    const lines = pods.output.split('\n').filter((l) => /\s1\/1\s+Running\s/.test(l));
    expect(lines.filter((l) => l.startsWith('controller-'))).toHaveLength(1);
    const speakers = lines.filter((l) => l.startsWith('speaker-'));
    expect(speakers).toHaveLength(3);
    for (const n of NODES) expect(speakers.some((l) => l.includes(` ${n.name} `))).toBe(true);
    expect((await curlFromClient(L2_EXPECTED_IP, 2)).body).toContain('Welcome to nginx!');
  });

  it('the operator view on the real cluster: describe svc lists IPAllocated, doctor checks pass, status svc names the owner', async () => {
    const describe = await cli(['lab', 'kubectl', '--', 'describe', 'svc', 'nginx'], 60_000);
    expect(describe.output).toMatch(/IPAllocated/);
    const inCp = (args: string[]): { code: number | null; stdout: string } => {
      const r = spawnSync('ip', ['netns', 'exec', 'mlbts-lab-cp', process.execPath, CLI, ...args, '--kubeconfig', join(labDir(), 'admin.kubeconfig'), '-o', 'json'],
        { encoding: 'utf8', timeout: 90_000 });
      return { code: r.status, stdout: r.stdout ?? '' };
    };
    const doctor = inCp(['doctor']);
    const report = JSON.parse(doctor.stdout) as { verdict: string; checks: Array<{ check: string; verdict: string; evidence: string }> };
    const verdicts = Object.fromEntries(report.checks.map((c) => [c.check, c.verdict]));
    process.stdout.write(`doctor on the lab: ${JSON.stringify(verdicts)}\n`);
    for (const c of ['kube-proxy', 'nodes', 'memberlist-secret', 'memberlist-reachability', 'layer2-subnets', 'config', 'pending-services']) {
      expect([c, verdicts[c]]).toEqual([c, expect.stringMatching(/^(ok|skip)$/)]);
    }
    const owner = await currentOwner(L2_EXPECTED_IP);
    const status = inCp(['status', 'svc', 'default/nginx']);
    expect(status.code).toBe(0);
    expect(status.stdout).toContain(owner.name);
    expect(status.stdout).toContain(L2_EXPECTED_IP);
  }, 200_000);

  it('nothing of the lab in the root namespace (ip addr, ip route unchanged)', () => {
    expect(rootNet()).toBe(rootBefore);
  });

  it('speaker container SIGKILLed: another node takes the VIP over and nginx answers through it', async () => {
    const owner = await currentOwner(L2_EXPECTED_IP);
    const t0 = performance.now();
    await killSpeakerContainer(cluster, owner);
    const r = await measureFailover(L2_EXPECTED_IP, owner, t0, { intervalMs: 50, timeoutMs: 30_000 });
    process.stdout.write(`speaker kill: ${owner.name} -> ${r.newOwner} takeover ${r.takeoverMs} ms, outage ${r.outageMs} ms\n`);
    expect(r.ok).toBe(true);
    expect(r.newOwner).not.toBe(owner.name);
    await cluster.waitMetallbReady();
  }, 120_000);

  it('helm upgrade rolling the speaker DaemonSet: 0 failed requests to the layer2 VIP', async () => {
    const rev = (await kubectl.ok(['get', 'ds', 'speaker', '-n', 'metallb-system', '-o', 'jsonpath={.metadata.generation}'])).trim();
    // A changed pod template (log level) makes the DaemonSet roll every speaker, one node at a time.
    const rolled = (async (): Promise<void> => {
      await release.upgrade('layer2-tutorial.yaml', ['--set', 'logLevel=debug']);
      await kubectl.ok(['rollout', 'status', 'ds/speaker', '-n', 'metallb-system', '--timeout=300s'], { timeoutMs: 320_000 });
    })();
    const r = await pollWhile(L2_EXPECTED_IP, rolled);
    const gen = (await kubectl.ok(['get', 'ds', 'speaker', '-n', 'metallb-system', '-o', 'jsonpath={.metadata.generation}'])).trim();
    process.stdout.write(`rolling upgrade: ${r.ok} requests answered, ${r.failed.length} failed, ${r.cut.length} cut in flight by an ARP move (retried at once)\n`);
    expect(gen).not.toBe(rev);
    expect(r.ok).toBeGreaterThan(20);
    expect(r.failed).toEqual([]);
    // Layer 2 moves the VIP, not connections: one in flight at a move may be reset. At most away and back per node.
    expect(r.cut.length).toBeLessThanOrEqual(6);
  }, 400_000);

  it('controller pod deleted: no Service changes its IP', async () => {
    for (const name of ['extra-a', 'extra-b']) {
      await kubectl.ok(['create', 'service', 'loadbalancer', name, '--tcp=80:80']);
    }
    const before = new Map<string, string>();
    for (const name of ['nginx', 'extra-a', 'extra-b']) before.set(name, await cluster.waitForIngress(name));
    expect(new Set(before.values()).size).toBe(3);
    await kubectl.ok(['delete', 'pod', '-n', 'metallb-system', '-l', 'app.kubernetes.io/component=controller', '--wait=true']);
    await cluster.waitMetallbReady();
    await kubectl.ok(['create', 'service', 'loadbalancer', 'extra-c', '--tcp=80:80']);
    const fresh = await cluster.waitForIngress('extra-c');
    expect([...before.values()]).not.toContain(fresh);
    for (const [name, ip] of before) expect(await svcIp(name)).toBe(ip);
    await kubectl.ok(['delete', 'service', 'extra-a', 'extra-b', 'extra-c']);
  }, 300_000);

  it('chaos: 20 random speaker kills and node power cycles, then exactly one MAC answers each VIP', async () => {
    await kubectl.ok(['scale', 'deploy', 'nginx', '--replicas=3']);
    await cluster.waitDeploymentAvailable('nginx');
    const events: string[] = [];
    let seed = 20261205;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let i = 0; i < 20; i++) {
      const node = NODES[rand(NODES.length)]!;
      const kind = i % 5 === 4 ? 'node' : rand(2) === 0 ? 'container' : 'pod';
      if (kind === 'node') {
        const n = new LabNode(node);
        await n.powerOff();
        await sleep(3000);
        await n.powerOn();
      } else if (kind === 'container') {
        await killSpeakerContainer(cluster, node).catch((e: Error) => events.push(`(${e.message})`));
      } else {
        await kubectl.run(['delete', 'pod', '-n', 'metallb-system', '--grace-period=0', '--force', '-l', 'app.kubernetes.io/component=speaker',
          '--field-selector', `spec.nodeName=${node.name}`]);
      }
      events.push(`${kind}:${node.name}`);
      await sleep(1000 + rand(2000));
    }
    process.stdout.write(`chaos: ${events.join(' ')}\n`);
    await cluster.waitNodesReady(300_000);
    await cluster.waitMetallbReady(600_000);
    const vips = [L2_EXPECTED_IP];
    for (const vip of vips) {
      let macs: string[] = [];
      for (let i = 0; i < 30; i++) {
        macs = await arpAnswerers(vip);
        if (macs.length === 1) break;
        await sleep(1000);
      }
      expect(macs).toHaveLength(1);
      expect(nodeByMac(macs[0]!)).toBeDefined();
      expect((await curlFromClient(vip, 2)).ok).toBe(true);
    }
  }, 1_200_000);

  it('monitoring on: ServiceMonitor, PrometheusRule (passes promtool) and dashboard accepted, speakers serve metrics', async () => {
    // prometheus-operator's own CRDs, from its Go module (test/harness/install.sh), as a cluster with the operator has them.
    const crdDir = readdirSync(join(cacheDir(), 'crds')).find((d) => d.startsWith('prometheus-operator-'));
    if (!crdDir) throw new Error('prometheus-operator CRDs missing: run bash test/harness/install.sh go');
    for (const f of readdirSync(join(cacheDir(), 'crds', crdDir)).filter((x) => x.endsWith('.yaml'))) {
      await kubectl.ok(['apply', '--server-side', '-f', '-'], { input: readFileSync(join(cacheDir(), 'crds', crdDir, f), 'utf8'), timeoutMs: 60_000 });
    }
    // A CRD just applied may have no status yet, and `kubectl wait` then errors at once instead of waiting: retry that.
    for (let attempt = 1; ; attempt++) {
      const r = await kubectl.run(['wait', '--for=condition=Established', '--timeout=60s', 'crd/servicemonitors.monitoring.coreos.com',
        'crd/prometheusrules.monitoring.coreos.com'], { timeoutMs: 70_000 });
      if (r.code === 0) break;
      if (attempt >= 10 || !r.stderr.includes('.status.conditions accessor error')) throw new Error(`kubectl wait for the CRDs exited ${r.code}: ${r.stderr.trim()}`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await release.upgrade('layer2-tutorial.yaml', ['--set', 'prometheus.serviceMonitor.enabled=true', '--set', 'prometheus.rules.enabled=true',
      '--set', 'grafana.dashboard.enabled=true']);
    const objs = await kubectl.ok(['get', 'servicemonitors,prometheusrules,configmaps,services', '-n', 'metallb-system', '-o', 'name']);
    expect(objs).toMatch(/servicemonitor\.monitoring\.coreos\.com\//);
    expect(objs).toMatch(/prometheusrule\.monitoring\.coreos\.com\//);
    expect(objs.split('\n').filter((o) => o.startsWith('service/')).length).toBeGreaterThanOrEqual(2);
    const rule = JSON.parse(await kubectl.ok(['get', 'prometheusrules', '-n', 'metallb-system', '-o', 'json'])) as { items: Array<{ spec: unknown }> };
    expect(rule.items).toHaveLength(1);
    const file = join(labDir(), 'rules.json');
    writeFileSync(file, JSON.stringify(rule.items[0]!.spec));
    const promtool = spawnSync('promtool', ['check', 'rules', file], { encoding: 'utf8' });
    expect(`${promtool.stdout}${promtool.stderr}`).toMatch(/SUCCESS: \d+ rules found/);
    // The upgrade also rolls the speakers (its pod template changed): wait for the new ones, then scrape each.
    await kubectl.ok(['rollout', 'status', 'ds/speaker', '-n', 'metallb-system', '--timeout=300s'], { timeoutMs: 320_000 });
    await cluster.waitMetallbReady();
    for (const n of NODES) {
      let body = '';
      for (let i = 0; i < 30 && !body.includes('metallb_speaker_announced'); i++) {
        if (i > 0) await sleep(1000);
        body = spawnSync('ip', ['netns', 'exec', n.ns, 'curl', '-s', '-m', '3', `http://${n.ip}:7473/metrics`], { encoding: 'utf8' }).stdout ?? '';
      }
      expect(body).toContain('metallb_speaker_announced');
    }
  }, 300_000);

  it('helm uninstall leaves no metallbts object (the memberlist Secret the user made and the CRDs stay)', async () => {
    await release.uninstall();
    // `helm uninstall --wait` returns once the objects are deleted; their pods may still be terminating.
    for (let i = 0; i < 120; i++) {
      if (!(await kubectl.ok(['get', 'pods', '-n', 'metallb-system', '-o', 'name'])).trim()) break;
      await sleep(1000);
    }
    const left = await kubectl.ok(['get', 'all,configmap,serviceaccount,role,rolebinding,secret', '-n', 'metallb-system', '-o', 'name']);
    const names = left.split('\n').filter(Boolean).filter((n) => !n.endsWith('/kube-root-ca.crt') && !n.endsWith('/default'));
    expect(names).toEqual(['secret/memberlist']);
    expect((await kubectl.ok(['get', 'servicemonitors,prometheusrules', '-n', 'metallb-system', '-o', 'name'])).trim()).toBe('');
    const cluster = await kubectl.ok(['get', 'clusterrole,clusterrolebinding', '-o', 'name']);
    expect(cluster.split('\n').filter((n) => n.includes('metallbts'))).toEqual([]);
  }, 200_000);

  it('lab down leaves no namespace, mount, pod process or file', () => expectLabDownLeavesNothing(rootBefore), 200_000);
});
