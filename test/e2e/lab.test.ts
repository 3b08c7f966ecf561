// End to end: `metallbts lab up` reproduces the tutorials in namespaces, `lab failover` moves the layer2 IP, `lab down` leaves nothing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const CLI = join(REPO, 'bin', 'metallbts.js');
const LAB_DIR = '/run/metallbts-lab';
const KUBECTL = process.env.METALLBTS_KUBECTL || join(process.env.METALLBTS_CACHE || join(process.env.HOME ?? '/root', '.cache', 'metallbts'), 'bin', 'kubectl');

interface CliRun {
  code: number | null;
  output: string;
}

/** Runs the built CLI with a hard timeout, collecting stdout+stderr (and echoing it when METALLBTS_E2E_VERBOSE=1). */
function cli(args: string[], timeoutMs: number): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (d: Buffer): void => {
      output += d.toString();
      if (process.env.METALLBTS_E2E_VERBOSE === '1') process.stderr.write(d);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

function inNs(ns: string, cmd: string, args: string[], timeoutMs = 10_000): { code: number | null; stdout: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  return { code: r.status, stdout: r.stdout ?? '' };
}

const curl = (ip: string): string => inNs('mlbts-lab-client', 'curl', ['-s', '-m', '2', `http://${ip}/`]).stdout.trim();
const kubectl = (args: string[]): string =>
  inNs('mlbts-lab-cp', KUBECTL, [`--kubeconfig=${LAB_DIR}/admin.kubeconfig`, ...args]).stdout.trim();
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` every `everyMs` until it returns true or `timeoutMs` passes; the last value is returned either way. */
async function waitUntil(probe: () => boolean, timeoutMs: number, everyMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (probe()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

interface BgpStatusObject {
  metadata: { name: string; labels?: Record<string, string> };
  status?: { node?: string; serviceName?: string; serviceNamespace?: string; peers?: string[] };
}

/** The ServiceBGPStatus objects the speakers wrote for a Service (by MetalLB's service labels). */
const bgpStatuses = (service: string): BgpStatusObject[] => {
  const out = kubectl(['get', 'servicebgpstatuses.metallb.io', '-n', 'metallb-system', '-l', `metallb.io/service-name=${service}`, '-o', 'json']);
  if (!out) throw new Error(`kubectl get servicebgpstatuses failed for ${service}`);
  return (JSON.parse(out) as { items: BgpStatusObject[] }).items;
};

/** The router's BGP paths for `prefix` (FRR's RIB) and its kernel route. */
const routerHas = (prefix: string): { bgpPaths: number; kernelRoute: string } => {
  const rib = inNs('mlbts-lab-router', 'vtysh', ['-N', 'mlbts-lab-router', '-c', `show bgp ipv4 unicast ${prefix} json`]).stdout;
  let bgpPaths = 0;
  try {
    bgpPaths = ((JSON.parse(rib) as { paths?: unknown[] }).paths ?? []).length;
  } catch {
    bgpPaths = -1; // vtysh did not answer JSON: not "no route"
  }
  return { bgpPaths, kernelRoute: inNs('mlbts-lab-router', 'ip', ['-4', 'route', 'show', prefix]).stdout.trim() };
};

const labNamespaces = (): string[] => {
  try {
    return readdirSync('/run/netns').filter((n) => n.startsWith('mlbts-lab-'));
  } catch {
    return [];
  }
};

describe('metallbts lab (e2e, root)', () => {
  let up: CliRun;

  beforeAll(async () => {
    expect(process.getuid?.()).toBe(0);
    up = await cli(['lab', 'up'], 480_000);
  }, 500_000);

  afterAll(async () => {
    const down = await cli(['lab', 'down'], 60_000);
    expect(down.code).toBe(0);
    expect(labNamespaces()).toEqual([]);
    expect(existsSync(LAB_DIR)).toBe(false);
    expect(existsSync('/var/run/frr/mlbts-lab-router')).toBe(false);
  }, 90_000);

  it('lab up succeeds and prints the tutorial outcome', () => {
    if (up.code !== 0) throw new Error(`lab up exited ${up.code}:\n${up.output}`);
    expect(up.output).toMatch(/nginx\s+LoadBalancer\s+\S+\s+192\.168\.1\.240\s/);
    expect(up.output).toMatch(/OK\s+layer2 tutorial/);
    expect(up.output).toMatch(/OK\s+bgp tutorial/);
  });

  it('layer2: nginx has 192.168.1.240 and curl from the client answers from a node', () => {
    expect(kubectl(['get', 'svc', 'nginx', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}'])).toBe('192.168.1.240');
    expect(curl('192.168.1.240')).toMatch(/^node-[abc]$/);
    // The root namespace never gets a lab address.
    expect(spawnSync('ip', ['-4', 'addr'], { encoding: 'utf8' }).stdout).not.toMatch(/192\.168\.1\.|198\.51\.100\./);
  });

  it('bgp: the router has an ECMP route via all three nodes and the client reaches the IP through it', () => {
    const ip = kubectl(['get', 'svc', 'nginx-bgp', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']);
    expect(ip).toMatch(/^198\.51\.100\.\d+$/);
    const route = inNs('mlbts-lab-router', 'ip', ['-4', 'route', 'show', `${ip}/32`]).stdout;
    for (const hop of ['192.168.1.10', '192.168.1.11', '192.168.1.12']) expect(route).toContain(`via ${hop}`);
    expect(curl(ip)).toMatch(/^node-[abc]$/);
  });

  // Before the failover test: it SIGKILLs one speaker, which then can neither withdraw nor delete its status object.
  it('bgp: deleting the Service withdraws its prefix from the router and removes its ServiceBGPStatus objects', async () => {
    const ip = kubectl(['get', 'svc', 'nginx-bgp', '-o', 'jsonpath={.status.loadBalancer.ingress[0].ip}']);
    expect(ip).toMatch(/^198\.51\.100\.\d+$/);
    const prefix = `${ip}/32`;
    // Preconditions, so "gone" below means something: the router has the route, and every speaker published its status.
    expect(routerHas(prefix).bgpPaths).toBe(3);
    const allPublished = await waitUntil(() => bgpStatuses('nginx-bgp').length === 3, 20_000);
    const before = bgpStatuses('nginx-bgp');
    if (!allPublished) throw new Error(`expected 3 ServiceBGPStatus objects for nginx-bgp, got: ${JSON.stringify(before)}`);
    expect(before.map((o) => o.status?.node).sort()).toEqual(['node-a', 'node-b', 'node-c']);
    for (const o of before) {
      expect(o.status).toMatchObject({ serviceName: 'nginx-bgp', serviceNamespace: 'default' });
      expect(o.status?.peers).toHaveLength(1);
    }

    const del = inNs('mlbts-lab-cp', KUBECTL, [`--kubeconfig=${LAB_DIR}/admin.kubeconfig`, 'delete', 'svc', 'nginx-bgp', '--timeout=20s'], 25_000);
    expect(del.code).toBe(0);

    const routeGone = await waitUntil(() => {
      const r = routerHas(prefix);
      return r.bgpPaths === 0 && r.kernelRoute === '';
    }, 30_000);
    if (!routeGone) throw new Error(`the router still has ${prefix} 30 s after the Service was deleted: ${JSON.stringify(routerHas(prefix))}`);
    const statusGone = await waitUntil(() => bgpStatuses('nginx-bgp').length === 0, 30_000);
    if (!statusGone) throw new Error(`ServiceBGPStatus objects left 30 s after the Service was deleted: ${JSON.stringify(bgpStatuses('nginx-bgp'))}`);
    // The sessions stay up: only the route went.
    const summary = inNs('mlbts-lab-router', 'vtysh', ['-N', 'mlbts-lab-router', '-c', 'show bgp summary json']).stdout;
    const peers = (JSON.parse(summary) as { ipv4Unicast?: { peers?: Record<string, { state?: string }> } }).ipv4Unicast?.peers ?? {};
    expect(Object.values(peers).filter((p) => p.state === 'Established')).toHaveLength(3);
  }, 120_000);

  it('lab status reports the layer2 owner', async () => {
    const status = await cli(['lab', 'status'], 60_000);
    expect(status.code).toBe(0);
    expect(status.output).toMatch(/layer2 owner of 192\.168\.1\.240 \(client ip neigh\): node-[abc]/);
  }, 70_000);

  it('lab failover: killing the owning speaker moves 192.168.1.240 to another node', async () => {
    const fo = await cli(['lab', 'failover', '--no-restart'], 90_000);
    if (fo.code !== 0) throw new Error(`lab failover exited ${fo.code}:\n${fo.output}`);
    const m = /failover: (node-[abc]) -> (node-[abc]) in (\d+) ms/.exec(fo.output);
    expect(m).not.toBeNull();
    const [, oldOwner, newOwner, ms] = m!;
    expect(newOwner).not.toBe(oldOwner);
    expect(Number(ms)).toBeLessThan(30_000);
    process.stdout.write(`lab failover: ${oldOwner} -> ${newOwner} in ${ms} ms\n`);
    // Independently: the VIP keeps answering from a node other than the one whose speaker died.
    const answer = curl('192.168.1.240');
    expect(answer).toMatch(/^node-[abc]$/);
    expect(answer).not.toBe(oldOwner);
  }, 100_000);
});
