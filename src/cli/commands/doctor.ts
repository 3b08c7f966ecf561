// `metallbts doctor`: checks the environments where MetalLB silently does not work; verdict, evidence and fix per check.
import type { Command } from 'commander';
import { readClusterSnapshot } from '../../core/k8s/cluster-snapshot';
import { KubeClients } from '../../core/k8s/kube-clients';
import { DOCTOR_EXIT, formatDoctorTable, runDoctorChecks } from '../../diagnose/doctor';
import { createPluginRegistry } from '../builtin-plugins';
import { configOptionsFor } from '../config-options';

export interface DoctorArgs {
  kubeconfig?: string;
  namespace: string;
  output: string;
  plugins?: string[];
}

export async function runDoctor(args: DoctorArgs, io: { stdout: (t: string) => void; stderr: (l: string) => void }): Promise<number> {
  if (args.output !== 'table' && args.output !== 'json') {
    io.stderr(`metallbts doctor: -o must be table or json, not "${args.output}"`);
    return DOCTOR_EXIT.usage;
  }
  let report;
  try {
    const clients = new KubeClients(args.kubeconfig);
    const snap = await readClusterSnapshot(clients, args.namespace);
    // Nothing readable at all: the API is unreachable or the credentials are refused.
    if (!snap.nodes.ok && !snap.services.ok && !snap.pods.ok) {
      io.stderr(`metallbts doctor: cannot read the cluster: ${snap.nodes.error}`);
      return DOCTOR_EXIT.usage;
    }
    report = runDoctorChecks(snap, configOptionsFor(createPluginRegistry(args.plugins ?? [])));
  } catch (err) {
    io.stderr(`metallbts doctor: ${(err as Error).message}`);
    return DOCTOR_EXIT.usage;
  }
  io.stdout(args.output === 'json' ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorTable(report));
  return DOCTOR_EXIT[report.verdict];
}

export function register(program: Command): void {
  program
    .command('doctor')
    .description('check the cluster for what makes MetalLB silently not work; exit 0 ok, 1 failures, 3 warnings only, 2 usage/unreachable')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else in-cluster)')
    .option('--namespace <ns>', 'namespace metallbts runs in', 'metallb-system')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--plugin <module...>', 'third-party plugin modules (their protocols are valid in pools)')
    .action(async (o: { kubeconfig?: string; namespace: string; output: string; plugin?: string[] }) => {
      process.exitCode = await runDoctor(
        { kubeconfig: o.kubeconfig, namespace: o.namespace, output: o.output, plugins: o.plugin },
        { stdout: (t) => process.stdout.write(t), stderr: (l) => process.stderr.write(`${l}\n`) },
      );
    });
}
