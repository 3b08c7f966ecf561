// The plugin example on the real cluster: its image loaded into the nodes, the chart installed with values/plugin-example.yaml,
// every speaker pod POSTs Announce (and Withdraw on delete) to a receiver in the lab's client namespace; uninstall and down clean up.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { ChartRelease } from '../../src/lab/chart-release';
import { cachedImage } from '../../src/lab/images';
import { LabKubectl } from '../../src/lab/kubectl';
import { LabCluster } from '../../src/lab/lab-cluster';
import { LabNode } from '../../src/lab/lab-node';
import { pollUntil } from '../../src/lab/shell';
import { CLIENT, METALLB_NAMESPACE, NODES } from '../../src/lab/topology';
import { buildWebhookExample, WebhookReceiver, type ReceivedPost } from '../support/webhook-example';
import { acquireLabLock } from './lab-lock';
import { cli, type CliRun, expectLabDownLeavesNothing, labDownAndRelease, REPO, rootNet, sleep, waitNoPods } from './lab-session';

const TOKEN = 'e2e-webhook-token';
const ROTATED = 'e2e-webhook-token-rotated';
const RECEIVER_PORT = 8090;
const RECEIVER_URL = `http://${CLIENT.ip}:${RECEIVER_PORT}/v1/vips`;

const kubectl = new LabKubectl();
const cluster = new LabCluster(kubectl);

describe('the plugin example through the chart on the real cluster (e2e, root)', () => {
  let up: CliRun;
  let rootBefore: string;
  let release: ChartRelease;
  let pluginRef = '';
  let receiver: WebhookReceiver | undefined;

  beforeAll(async () => {
    expect(process.getuid?.()).toBe(0);
    await acquireLabLock(40 * 60_000); // one lab at a time
    rootBefore = rootNet();
    // The plugin package and its image, as its author makes them (npm run build; docker build of its Dockerfile).
    buildWebhookExample();
    const images = spawnSync('bash', [join(REPO, 'test', 'harness', 'images.sh'), 'plugin-webhook'], { encoding: 'utf8', timeout: 20 * 60_000 });
    if (images.status !== 0) throw new Error(`images.sh plugin-webhook exited ${images.status}:\n${images.stdout}${images.stderr}`);
    pluginRef = cachedImage('plugin-webhook').ref;
    up = await cli(['lab', 'up', '--no-bgp'], 1_500_000);
    release = new ChartRelease(cachedImage('metallbts'));
  }, 3_000_000);

  afterAll(async () => {
    receiver?.stop();
    await labDownAndRelease();
  }, 200_000);

  it('lab up, the plugin image loaded into every node, the receiver listening in the client namespace', async () => {
    if (up.code !== 0) throw new Error(`lab up exited ${up.code}:\n${up.output}`);
    const image = cachedImage('plugin-webhook');
    await Promise.all(NODES.map((n) => new LabNode(n).importImages([image.archive])));
    receiver = await WebhookReceiver.start({ host: CLIENT.ip, port: RECEIVER_PORT, token: `${TOKEN},${ROTATED}`, netns: CLIENT.ns });
    expect(receiver.port).toBe(RECEIVER_PORT);
  }, 300_000);

  it('helm install -f values/plugin-example.yaml (plugin image and URL set): controller and speakers run with the plugin', async () => {
    // The lab installed the layer2 tutorial; the example is installed fresh, the way its values file's header says.
    await release.uninstall();
    await waitNoPods(kubectl);
    await kubectl.ok(['create', 'secret', 'generic', '-n', METALLB_NAMESPACE, 'webhook-token', `--from-literal=token=${TOKEN}`]);
    await release.install('plugin-example.yaml', ['--set', `speaker.plugins[0].image=${pluginRef}`,
      '--set', `speaker.plugins[0].options.url=${RECEIVER_URL}`]);
    await cluster.waitMetallbReady();
    const pods = await kubectl.ok(['get', 'pods', '-n', METALLB_NAMESPACE, '-o',
      'jsonpath={range .items[*]}{.metadata.name} {.spec.initContainers[0].image} {.status.phase}{"\\n"}{end}']);
    const lines = pods.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('speaker-'))).toHaveLength(NODES.length);
    for (const l of lines) expect(l).toMatch(new RegExp(` ${pluginRef.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} Running$`));
    const logs = await kubectl.ok(['logs', '-n', METALLB_NAMESPACE, 'deploy/controller', '--tail=200']);
    expect(logs).not.toMatch(/"event":"configStale"/);
  }, 600_000);

  it('a Service in the webhook pool: every speaker POSTs Announce with its node and the token; deleting it POSTs Withdraw', async () => {
    await kubectl.ok(['create', 'service', 'loadbalancer', 'webhook-web', '--tcp=80:80']);
    const ip = await cluster.waitForIngress('webhook-web');
    expect(ip).toMatch(/^10\.20\.0\.\d+$/);
    const postOf = (kind: string, node: string) => (p: ReceivedPost): boolean =>
      p.body.kind === kind && p.body.node === node && p.body.service.name === 'webhook-web' && p.status === 200;
    for (const n of NODES) {
      const post = await receiver!.waitFor(`Announce from ${n.name}`, postOf('Announce', n.name), 120_000);
      expect(post.body).toMatchObject({ ips: [ip], pool: 'external', service: { namespace: 'default' } });
      expect(post.body.nodeAddresses).toContain(n.ip);
      expect(post.headers).toMatchObject({ authorization: `Bearer ${TOKEN}`, 'x-metallbts-node': n.name });
    }
    // Announced until the speakers stop: they withdraw it when helm uninstall ends them (withdrawOnShutdown).
    await kubectl.ok(['create', 'service', 'loadbalancer', 'webhook-kept', '--tcp=80:80']);
    const kept = await cluster.waitForIngress('webhook-kept');
    for (const n of NODES) await receiver!.waitFor(`Announce of webhook-kept from ${n.name}`, (p) => p.body.kind === 'Announce' && p.body.node === n.name && p.body.service.name === 'webhook-kept' && p.body.ips[0] === kept, 120_000);
    process.stdout.write(`webhook receiver got ${receiver!.posts.length} POSTs: ${receiver!.posts.map((p) => `${p.body.node}:${p.body.kind}:${p.body.service?.name}`).join(' ')}\n`);
    await kubectl.ok(['delete', 'service', 'webhook-web']);
    for (const n of NODES) {
      const post = await receiver!.waitFor(`Withdraw from ${n.name}`, postOf('Withdraw', n.name), 120_000);
      expect(post.body.ips).toEqual([ip]);
    }
  }, 400_000);

  it('rotating the token Secret reaches the plugin without a restart: every speaker logs secretChanged, then POSTs with the new token', async () => {
    const speakers = async () => (await cluster.pods('speaker')).map((p) => `${p.name} ${p.containerId ?? ''} ${p.restarts}`).sort();
    const before = await speakers();
    await kubectl.ok(['patch', 'secret', 'webhook-token', '-n', METALLB_NAMESPACE, '-p', JSON.stringify({ stringData: { token: ROTATED } })]);
    // The speaker reads its Secrets again every 15 s (GET only: its Role names them).
    await pollUntil('secretChanged logged by every speaker', async () => {
      const logs = await cluster.speakerLogs(500);
      const pods = new Set(logs.split('\n').filter((l) => /"event":"secretChanged".*"webhook-token"/.test(l)).map((l) => l.split(' ')[0]));
      return pods.size === NODES.length ? true : undefined;
    }, { timeoutMs: 60_000, everyMs: 2000 });
    // The plugin's worker caches ctx.secret values and is sent the new one at its next heartbeat (every 5 s).
    await sleep(6000);
    await kubectl.ok(['create', 'service', 'loadbalancer', 'webhook-rotated', '--tcp=80:80']);
    await cluster.waitForIngress('webhook-rotated');
    for (const n of NODES) {
      const post = await receiver!.waitFor(`Announce of webhook-rotated from ${n.name}`,
        (p) => p.body.kind === 'Announce' && p.body.node === n.name && p.body.service.name === 'webhook-rotated' && p.status === 200, 120_000);
      expect(post.headers.authorization).toBe(`Bearer ${ROTATED}`);
    }
    expect(await speakers()).toEqual(before);
    await kubectl.ok(['delete', 'service', 'webhook-rotated']);
  }, 300_000);

  it('helm uninstall: each stopping speaker withdraws what it announced; no metallbts object is left (the Secrets the user made stay)', async () => {
    await release.uninstall();
    await waitNoPods(kubectl);
    for (const n of NODES) {
      await receiver!.waitFor(`Withdraw of webhook-kept from ${n.name} at shutdown`, (p) => p.body.kind === 'Withdraw' && p.body.node === n.name && p.body.service.name === 'webhook-kept', 30_000);
    }
    await kubectl.ok(['delete', 'service', 'webhook-kept']);
    const left = await kubectl.ok(['get', 'all,configmap,serviceaccount,role,rolebinding,secret', '-n', METALLB_NAMESPACE, '-o', 'name']);
    const names = left.split('\n').filter(Boolean).filter((n) => !n.endsWith('/kube-root-ca.crt') && !n.endsWith('/default'));
    expect(names.sort()).toEqual(['secret/memberlist', 'secret/webhook-token']);
    const clusterWide = await kubectl.ok(['get', 'clusterrole,clusterrolebinding', '-o', 'name']);
    expect(clusterWide.split('\n').filter((n) => n.includes('metallbts'))).toEqual([]);
  }, 200_000);

  it('lab down leaves no namespace, mount, pod process or file', async () => {
    receiver?.stop();
    await expectLabDownLeavesNothing(rootBefore);
  }, 200_000);
});
