// The command-line options the controller and the speaker share: cluster access, namespace, class, metrics, plugins.
import type { Command } from 'commander';

/** The shared flags as commander hands them to the action. */
export interface ComponentFlags {
  kubeconfig?: string;
  namespace: string;
  lbClass?: string;
  metricsPort: string;
  metricsHost: string;
  plugin?: string[];
}

/** Adds the shared options to `cmd`; the two components differ only in the metrics port and what a plugin is for. */
export function withComponentOptions(cmd: Command, metricsPort: string, pluginHelp: string): Command {
  return cmd
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else in-cluster)')
    .option('--namespace <ns>', 'namespace holding the config and the memberlist Secret', 'metallb-system')
    .option('--lb-class <class>', 'only handle Services with this spec.loadBalancerClass')
    .option('--metrics-port <port>', 'port for /metrics, /healthz, /readyz', metricsPort)
    .option('--metrics-host <addr>', 'address for the metrics server', '0.0.0.0')
    .option('--plugin <module...>', pluginHelp);
}
