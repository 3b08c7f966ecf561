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
