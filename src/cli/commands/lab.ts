// `metallbts lab up|down|status|failover`: the tutorials' network in local namespaces, with the real product running in it.
import type { Command } from 'commander';
import { DEFAULT_FAILOVER, labFailover } from '../../lab/failover-probe';
import { LabCluster } from '../../lab/lab-cluster';
import { LabKubectl } from '../../lab/kubectl';
import { labDown } from '../../lab/lab-down';
import { labStatus } from '../../lab/lab-status';
import { labUp } from '../../lab/lab-up';
import { Progress } from '../../lab/progress';

function requireRoot(): void {
  if (process.getuid?.() !== 0) throw new Error('the lab creates network namespaces: run it as root');
}

/** Runs a lab action and sets the exit code; errors are printed without a stack (they are meant for the user). */
async function action(fn: () => Promise<boolean>): Promise<void> {
  try {
    requireRoot();
    process.exitCode = (await fn()) ? 0 : 1;
  } catch (err) {
    process.stderr.write(`metallbts lab: ${(err as Error).message}\n`);
    process.exitCode = 1;
  }
}

export function register(program: Command): void {
  const lab = program.command('lab').description('local lab: the MetalLB tutorials in network namespaces (root)');

  lab.command('up')
    .description('build the lab (namespaces, router, control plane, nodes, client), run controller + speakers, check the tutorials')
    .option('--no-bgp', 'skip the BGP part of the tutorial')
    .option('--keep-on-failure', 'leave the lab running when a check fails (default: tear it down)')
    .action((o: { bgp: boolean; keepOnFailure?: boolean }) =>
      action(async () => (await labUp({ bgp: o.bgp, keepOnFailure: !!o.keepOnFailure })).ok));

  lab.command('down')
    .description('kill every lab process, delete every mlbts-lab-* namespace and the lab files (idempotent)')
    .action(() => action(async () => {
      const r = await labDown(new Progress());
      for (const p of r.problems) process.stderr.write(`metallbts lab down: ${p}\n`);
      return r.problems.length === 0;
    }));

  lab.command('status')
    .description('lab processes, Services and their IPs, the layer2 owner of 192.168.1.240, the router\'s BGP sessions')
    .action(() => action(async () => (await labStatus(new Progress())).up));

  lab.command('failover')
    .description('SIGKILL the speaker container owning 192.168.1.240 (or --node: the whole node) and measure takeover and outage')
    .option('--vip <ip>', 'layer2 Service IP to fail over', DEFAULT_FAILOVER.vip)
    .option('--node', 'take the whole owning node down: kubelet, kube-proxy, containerd, pods, link')
    .option('--interval <ms>', 'poll interval', String(DEFAULT_FAILOVER.intervalMs))
    .option('--timeout <ms>', 'give up after', String(DEFAULT_FAILOVER.timeoutMs))
    .option('--no-restart', 'with --node: leave the node down')
    .action((o: { vip: string; node?: boolean; interval: string; timeout: string; restart: boolean }) => action(async () => {
      const intervalMs = Math.max(10, Number(o.interval));
      const timeoutMs = Math.min(300_000, Math.max(1000, Number(o.timeout)));
      if (!Number.isFinite(intervalMs) || !Number.isFinite(timeoutMs)) throw new Error('--interval and --timeout take milliseconds');
      const cluster = new LabCluster(new LabKubectl());
      return (await labFailover(cluster, { vip: o.vip, intervalMs, timeoutMs, node: !!o.node, restart: o.restart }, new Progress())).ok;
    }));

  lab.command('kubectl')
    .description('kubectl against the lab cluster (admin), e.g. metallbts lab kubectl -- get pods -n metallb-system')
    .argument('[args...]', 'kubectl arguments (after --)')
    .allowUnknownOption()
    .action((args: string[]) => action(async () => {
      const r = await new LabKubectl().run(args, { timeoutMs: 120_000 });
      process.stdout.write(r.stdout);
      process.stderr.write(r.stderr);
      return r.code === 0;
    }));
}
