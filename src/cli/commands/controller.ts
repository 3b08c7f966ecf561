// `metallbts controller`: the cluster-wide IP allocator.
import type { Command } from 'commander';
import { runController } from '../../core/controller/run-controller';
import { createLogger } from '../../core/log';
import { createPluginRegistry } from '../builtin-plugins';
import { withComponentOptions, type ComponentFlags } from '../component-options';
import { configOptionsFor } from '../config-options';
import { untilSignal } from '../signals';

export function register(program: Command): void {
  const command = program.command('controller').description('allocate IPs to LoadBalancer Services from the configured pools');
  withComponentOptions(command, '7472', 'third-party plugin modules (their protocols become valid in pools)')
    .option('--memberlist-secret <name>', 'the memberlist Secret created (random key) when missing', 'memberlist')
    .action(async (o: ComponentFlags & { memberlistSecret: string }) => {
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
