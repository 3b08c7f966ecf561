// `metallbts controller`: the cluster-wide IP allocator.
import type { Command } from 'commander';
import { runController } from '../../core/controller/run-controller';
import { createLogger } from '../../core/log';
import { createPluginRegistry } from '../builtin-plugins';
import { configOptionsFor } from '../config-options';
import { untilSignal } from '../signals';

export function register(program: Command): void {
  program
    .command('controller')
    .description('allocate IPs to LoadBalancer Services from the configured pools')
    .option('--kubeconfig <file>', 'kubeconfig file (default: $KUBECONFIG, else in-cluster)')
    .option('--namespace <ns>', 'namespace holding the config and the memberlist Secret', 'metallb-system')
    .option('--lb-class <class>', 'only handle Services with this spec.loadBalancerClass')
    .option('--metrics-port <port>', 'port for /metrics, /healthz, /readyz', '7472')
    .option('--metrics-host <addr>', 'address for the metrics server', '0.0.0.0')
    .option('--plugin <module...>', 'third-party plugin modules (their protocols become valid in pools)')
    .option('--memberlist-secret <name>', 'the memberlist Secret created (random key) when missing', 'memberlist')
    .action(async (o: { kubeconfig?: string; namespace: string; lbClass?: string; metricsPort: string; metricsHost: string; plugin?: string[]; memberlistSecret: string }) => {
      const logger = createLogger();
      // Plugins run in worker threads here too (their validate); one that cannot load leaves its protocol unknown.
      const registry = createPluginRegistry(o.plugin ?? [], {
        logger: logger.child({ caller: 'plugins' }),
        onLoadError: (module, err) => logger.error({ caller: 'plugins', event: 'pluginLoadFailed', module, error: err.message }, 'plugin module not loaded; pools using its protocol are invalid'),
      });
      const running = await runController({
        kubeconfig: o.kubeconfig,
        namespace: o.namespace,
        loadBalancerClass: o.lbClass,
        metricsPort: Number(o.metricsPort),
        metricsHost: o.metricsHost,
        memberlistSecret: o.memberlistSecret,
        logger,
        configOptions: configOptionsFor(registry),
      });
      logger.info({ caller: 'main', event: 'started', metricsPort: running.metricsPort }, 'controller started');
      const sig = await untilSignal();
      logger.info({ caller: 'main', event: 'stopping', signal: sig }, 'controller stopping');
      await running.stop();
      process.exit(0);
    });
}
