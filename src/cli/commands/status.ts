// `metallbts status svc NAMESPACE/NAME`: pool, IPs, which nodes announce per protocol and why the others do not.
import type { Command } from 'commander';
import { readClusterSnapshot } from '../../core/k8s/cluster-snapshot';
import { KubeClients } from '../../core/k8s/kube-clients';
import { clusterFacts } from '../../diagnose/cluster-facts';
import { formatServiceStatus, serviceStatus } from '../../diagnose/service-status';
import { createPluginRegistry } from '../builtin-plugins';
import { configOptionsFor } from '../config-options';

export interface StatusArgs {
  target: string;
  kubeconfig?: string;
  namespace: string;
  output: string;
  plugins?: string[];
}

/** Exit 0: announced; 1: not announced or no IP; 2: usage or the Service/API could not be read. */
export async function runStatusSvc(args: StatusArgs, io: { stdout: (t: string) => void; stderr: (l: string) => void }): Promise<number> {
  const m = /^([^/\s]+)\/([^/\s]+)$/.exec(args.target);
  if (!m) {
    io.stderr(`metallbts status svc: expected NAMESPACE/NAME, got "${args.target}"`);
    return 2;
  }
  if (args.output !== 'table' && args.output !== 'json') {
    io.stderr(`metallbts status svc: -o must be table or json, not "${args.output}"`);
    return 2;
  }
  let report;
  try {
    const clients = new KubeClients(args.kubeconfig);
    const snap = await readClusterSnapshot(clients, args.namespace, { service: { namespace: m[1] ?? '', name: m[2] ?? '' } });
    report = serviceStatus(snap, clusterFacts(snap, configOptionsFor(createPluginRegistry(args.plugins ?? []))));
  } catch (err) {
    io.stderr(`metallbts status svc ${args.target}: ${(err as Error).message}`);
    return 2;
  }
  io.stdout(args.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatServiceStatus(report));
  const announced = Object.values(report.protocols).some((v) => v.some((x) => x.announcing));
  return announced && report.problems.length === 0 ? 0 : 1;
}

export function register(program: Command): void {
  const status = program.command('status').description('what metallbts is doing for an object, from the cluster');
  status
    .command('svc')
    .argument('<namespace/name>', 'the Service')
    .description('pool, IPs, announcing nodes per protocol, why the other nodes do not announce, BGP peers carrying it')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else in-cluster)')
    .option('--namespace <ns>', 'namespace metallbts runs in', 'metallb-system')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--plugin <module...>', 'third-party plugin modules (their protocols are valid in pools)')
    .action(async (target: string, o: { kubeconfig?: string; namespace: string; output: string; plugin?: string[] }) => {
      process.exitCode = await runStatusSvc(
        { target, kubeconfig: o.kubeconfig, namespace: o.namespace, output: o.output, plugins: o.plugin },
        { stdout: (t) => process.stdout.write(t), stderr: (l) => process.stderr.write(`${l}\n`) },
      );
    });
}
