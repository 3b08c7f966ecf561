// The chart's plugin install path, run for real: the init container's copy, NODE_PATH, then the controller and the speaker CLIs
// against a real apiserver — the controller allocates from the plugin's pool and the speaker hands the plugin its options.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { useControlPlane } from '../../harness/jest-control-plane';
import { freePorts } from '../../harness/ports';
import { eventually, installMetallbSystem, NAMESPACE } from '../../support/metallb-system';
import { ensureBuilt } from '../layer2/netns-lab';
import { ROOT, find, mainContainer, podSpec, render, valuesFile, type K8sDoc } from './helm';

const cp = useControlPlane();
const MODULE = 'metallbts-plugin-fixture';
/** The plugin image's filesystem: its package at /plugin, as values `path` says. */
const IMAGE_ROOT = join(ROOT, 'test', 'fixtures', 'chart', 'plugin-image');
const children: ChildProcess[] = [];

interface Env { name: string; value?: string }

/** Starts the CLI as the chart's container would, with its log in a file; killed in afterAll. */
function startCli(name: string, dir: string, args: string[], env: Record<string, string>): { log: string } {
  const log = join(dir, `${name}.log`);
  const fd = openSync(log, 'a');
  try {
    const child = spawn('/usr/bin/setpriv', ['--pdeathsig', 'KILL', '--', process.execPath, join(ROOT, 'bin', 'metallbts.js'), ...args], {
      stdio: ['ignore', fd, fd], env: { ...process.env, ...env },
    });
    children.push(child);
  } finally {
    closeSync(fd);
  }
  return { log };
}

function logLines(log: string): Array<Record<string, unknown>> {
  return readFileSync(log, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
});

describe('plugins through values, run for real', () => {
  test('the copied package loads via NODE_PATH: the controller accepts and allocates from its pool, the speaker gets its options', async () => {
    ensureBuilt();
    const docs = await render(['-f', valuesFile('plugin-example.yaml'), '--set', `speaker.plugins[0].module=${MODULE}`]);
    const controller = find(docs, 'Deployment', 'controller');
    const speaker = find(docs, 'DaemonSet', 'speaker');
    const dir = mkdtempSync(join(tmpdir(), 'chart-plugin-'));
    const inPod = (p: string): string => join(dir, p);

    // The init container, with the pod's paths under `dir` and the image's under IMAGE_ROOT (the kubelet makes the mount point).
    const init = podSpec(controller).initContainers[0] as { command: string[]; volumeMounts: Array<{ mountPath: string }> };
    mkdirSync(inPod(init.volumeMounts[0]!.mountPath), { recursive: true });
    const [cmd, flag, from, to] = init.command;
    execFileSync(cmd!, [flag!, IMAGE_ROOT + from, dir + to]); // concatenated: join() would drop cp's meaningful trailing /.
    expect(existsSync(inPod(`/plugins/node_modules/${MODULE}/index.js`))).toBe(true);

    const envOf = (d: K8sDoc): Record<string, string> => {
      const env = Object.fromEntries((mainContainer(d).env as Env[]).filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
      return { ...env, NODE_PATH: inPod(env.NODE_PATH!) };
    };
    expect(JSON.parse(envOf(speaker).METALLBTS_PLUGIN_OPTIONS!)).toEqual([{ module: MODULE, options: { table: 100 } }]);

    const kubeconfigs = await installMetallbSystem(cp);
    const config = find(docs, 'ConfigMap', 'config');
    await cp.kubectlOk(['apply', '-f', '-'], { input: yaml.dump(config) });
    await cp.kubectlOk(['apply', '-f', '-'], { input: yaml.dump({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a' } } }) });

    const [controllerPort, speakerPort] = await freePorts(2);
    const controllerArgs = (mainContainer(controller).args as string[]).filter((a) => !a.startsWith('--metrics-port='));
    const c = startCli('controller', dir, [...controllerArgs, `--kubeconfig=${kubeconfigs.controller}`, '--metrics-host=127.0.0.1', `--metrics-port=${controllerPort}`], envOf(controller));

    await cp.kubectlOk(['create', 'service', 'loadbalancer', 'routed-web', '--tcp=80:80']);
    const ip = await eventually('an IP from the plugin pool', async () => {
      const svc = await cp.kubectlJson<{ status?: { loadBalancer?: { ingress?: Array<{ ip: string }> } } }>(['get', 'service', 'routed-web']);
      return svc.status?.loadBalancer?.ingress?.[0]?.ip;
    }, 60_000).catch((err: Error) => { throw new Error(`${err.message}\ncontroller log:\n${readFileSync(c.log, 'utf8').slice(-3000)}`); });
    expect(ip).toMatch(/^10\.20\.0\.\d+$/);
    expect(logLines(c.log).filter((l) => l.event === 'configStale')).toEqual([]);

    // The speaker, with the chart's --plugin flags and env (memberlist flags left out: no layer2 pool here).
    const pluginArgs = (mainContainer(speaker).args as string[]).filter((a) => a.startsWith('--plugin='));
    expect(pluginArgs).toEqual([`--plugin=${MODULE}`]);
    const s = startCli('speaker', dir, ['speaker', '--node-name=node-a', `--namespace=${NAMESPACE}`, `--kubeconfig=${kubeconfigs.speaker}`,
      '--metrics-host=127.0.0.1', `--metrics-port=${speakerPort}`, ...pluginArgs], envOf(speaker));
    const added = await eventually('the plugin announcing with its options', async () =>
      logLines(s.log).find((l) => l.event === 'fixtureRouteAdded'), 60_000)
      .catch((err: Error) => { throw new Error(`${err.message}\nspeaker log:\n${readFileSync(s.log, 'utf8').slice(-3000)}`); });
    expect(added).toMatchObject({ service: 'default/routed-web', ips: [ip], table: 100, protocol: 'static-route' });
    expect(logLines(s.log).find((l) => l.event === 'fixturePluginCreated')).toMatchObject({ options: { table: 100 } });
  }, 240_000);
});
