// The chart's plugin install path, run for real with the webhook example: the init container's copy, NODE_PATH, then the
// controller and two speaker CLIs against a real apiserver — the speakers POST Announce/Withdraw to a receiver on 127.0.0.1.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { useControlPlane } from '../../harness/jest-control-plane';
import { freePorts } from '../../harness/ports';
import { eventually, installMetallbSystem, NAMESPACE } from '../../support/metallb-system';
import { buildWebhookExample, WEBHOOK_EXAMPLE, WEBHOOK_MODULE, WebhookReceiver, type ReceivedPost } from '../../support/webhook-example';
import { ensureBuilt } from '../layer2/netns-lab';
import { ROOT, find, mainContainer, podSpec, render, valuesFile, type K8sDoc } from './helm';

const cp = useControlPlane();
const TOKEN = 'tok-plugin-install';
const NODES = ['node-a', 'node-b'];
const children: ChildProcess[] = [];
let receiver: WebhookReceiver | undefined;

interface Env { name: string; value?: string }

/** Starts the CLI as the chart's container would, with its log in a file; killed in afterAll. */
function startCli(name: string, dir: string, args: string[], env: Record<string, string>): { log: string; child: ChildProcess } {
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, 'a');
  try {
    const child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, join(ROOT, 'bin', 'metallbts.js'), ...args], {
      stdio: ['ignore', fd, fd], env: { ...process.env, ...env },
    });
    children.push(child);
    return { log, child };
  } finally {
    closeSync(fd);
  }
}

function logLines(log: string): Array<Record<string, unknown>> {
  return readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  receiver?.stop();
});

describe('plugins through values, run for real (the webhook example)', () => {
  test('the copied package loads via NODE_PATH: the controller allocates from its pool, each speaker POSTs Announce, then Withdraw', async () => {
    ensureBuilt();
    buildWebhookExample();
    receiver = await WebhookReceiver.start({ host: '127.0.0.1', token: TOKEN });
    const url = `http://127.0.0.1:${receiver.port}/v1/vips`;
    const docs = await render(['-f', valuesFile('plugin-example.yaml'), '--set', `speaker.plugins[0].options.url=${url}`,
      '--set', 'speaker.plugins[0].options.retryBaseMs=100']);
    const controller = find(docs, 'Deployment', 'controller');
    const speaker = find(docs, 'DaemonSet', 'speaker');
    const dir = mkdtempSync(join(tmpdir(), 'chart-plugin-'));
    const inPod = (p: string): string => join(dir, p);

    // The plugin image's filesystem, as its Dockerfile makes it: package.json, README.md and dist/ at /plugin.
    const imageRoot = join(dir, 'image');
    for (const f of ['package.json', 'README.md', 'dist']) cpSync(join(WEBHOOK_EXAMPLE, f), join(imageRoot, 'plugin', f), { recursive: true });
    // The init container, with the pod's paths under `dir` and the image's under imageRoot (the kubelet makes the mount point).
    const init = podSpec(controller).initContainers[0] as { command: string[]; volumeMounts: Array<{ mountPath: string }> };
    mkdirSync(inPod(init.volumeMounts[0]!.mountPath), { recursive: true });
    const [cmd, flag, from, to] = init.command;
    execFileSync(cmd!, [flag!, imageRoot + from, dir + to]); // concatenated: join() would drop cp's meaningful trailing /.
    expect(existsSync(inPod(`/plugins/node_modules/${WEBHOOK_MODULE}/dist/index.js`))).toBe(true);

    const envOf = (d: K8sDoc): Record<string, string> => {
      const env = Object.fromEntries((mainContainer(d).env as Env[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
      return { ...env, NODE_PATH: inPod(env.NODE_PATH!) };
    };
    expect(JSON.parse(envOf(speaker).METALLBTS_PLUGIN_OPTIONS!)).toEqual([expect.objectContaining({ module: WEBHOOK_MODULE, secrets: ['webhook-token'] })]);

    // The speaker may read the plugin's Secret, as the chart's Role grants it.
    const kubeconfigs = await installMetallbSystem(cp, { speakerSecrets: ['webhook-token'] });
    await cp.kubectlOk(['create', 'secret', 'generic', '-n', NAMESPACE, 'webhook-token', `--from-literal=token=${TOKEN}`]);
    await cp.kubectlOk(['apply', '-f', '-'], { input: yaml.dump(find(docs, 'ConfigMap', 'config')) });
    for (const n of NODES) {
      await cp.kubectlOk(['apply', '-f', '-'], { input: yaml.dump({ apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { 'kubernetes.io/hostname': n } } }) });
    }

    const ports = await freePorts(1 + NODES.length);
    const controllerArgs = (mainContainer(controller).args as string[]).filter((a) => !a.startsWith('--metrics-port='));
    const c = startCli('controller', dir, [...controllerArgs, `--kubeconfig=${kubeconfigs.controller}`, '--metrics-host=127.0.0.1', `--metrics-port=${ports[0]}`], envOf(controller));

    await cp.kubectlOk(['create', 'service', 'loadbalancer', 'routed-web', '--tcp=80:80']);
    const ip = await eventually('an IP from the plugin pool', async () => {
      const svc = await cp.kubectlJson<{ status?: { loadBalancer?: { ingress?: Array<{ ip: string }> } } }>(['get', 'service', 'routed-web']);
      return svc.status?.loadBalancer?.ingress?.[0]?.ip;
    }, 60_000).catch((err: Error) => { throw new Error(`${err.message}\ncontroller log:\n${readFileSync(c.log, 'utf8').slice(-3000)}`); });
    expect(ip).toMatch(/^10\.20\.0\.\d+$/);
    expect(logLines(c.log).filter((l) => l.event === 'configStale')).toEqual([]);

    // The speakers, with the chart's --plugin flags and env (memberlist flags left out: no layer2 pool here).
    const pluginArgs = (mainContainer(speaker).args as string[]).filter((a) => a.startsWith('--plugin='));
    expect(pluginArgs).toEqual([`--plugin=${WEBHOOK_MODULE}`]);
    const speakers = NODES.map((n, i) => startCli(`speaker-${n}`, dir, ['speaker', `--node-name=${n}`, `--namespace=${NAMESPACE}`, `--kubeconfig=${kubeconfigs.speaker}`,
      '--metrics-host=127.0.0.1', `--metrics-port=${ports[i + 1]}`, ...pluginArgs], envOf(speaker)));
    const withLogs = (err: Error): never => {
      throw new Error(`${err.message}\n${speakers.map((s) => `${s.log}:\n${readFileSync(s.log, 'utf8').slice(-2000)}`).join('\n')}`);
    };
    const postOf = (kind: string, node: string) => (p: ReceivedPost): boolean =>
      p.body.kind === kind && p.body.node === node && p.body.service.name === 'routed-web';
    for (const n of NODES) {
      const post = await receiver.waitFor(`Announce from ${n}`, postOf('Announce', n)).catch(withLogs);
      expect(post.body).toMatchObject({ ips: [ip], pool: 'external', service: { namespace: 'default', name: 'routed-web' } });
      expect(post.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'x-metallbts-node': n, 'idempotency-key': post.body.id });
      expect(post.status).toBe(200);
    }
    expect(logLines(speakers[0]!.log).find((l) => l.event === 'webhookDelivered')).toMatchObject({ kind: 'Announce', service: 'default/routed-web', protocol: 'webhook' });

    await cp.kubectlOk(['delete', 'service', 'routed-web']);
    for (const n of NODES) {
      const post = await receiver.waitFor(`Withdraw from ${n}`, postOf('Withdraw', n)).catch(withLogs);
      expect(post.body.ips).toEqual([ip]);
    }
    // Every node announced once and withdrew once (retries of one message share its id): no duplicate for an unchanged state.
    const messages = new Map(receiver.posts.filter((p) => p.body.service.name === 'routed-web').map((p) => [p.body.id, p.body]));
    expect([...messages.values()].map((b) => `${b.node} ${b.kind}`).sort())
      .toEqual(['node-a Announce', 'node-a Withdraw', 'node-b Announce', 'node-b Withdraw']);
  }, 240_000);
});
