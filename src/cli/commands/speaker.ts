// `metallbts speaker`: runs on every node and announces Service IPs through the pools' plugins.
import type { Command } from 'commander';
import { createLogger } from '../../core/log';
import { parseKeyDerivation } from '../../memberlist/key-derivation';
import { runSpeaker } from '../../core/speaker/run-speaker';
import { loadPlugins } from '../builtin-plugins';
import { withComponentOptions, type ComponentFlags } from '../component-options';
import { configOptionsFor } from '../config-options';
import { parsePluginOptions, pluginOptionsByProtocol, pluginSecretNames, PLUGIN_OPTIONS_ENV } from '../plugin-options';
import { untilSignal } from '../signals';

interface SpeakerFlags extends ComponentFlags {
  nodeName: string;
  memberlistBind?: string;
  memberlistJoin?: string[];
  memberlistProfile?: string;
  memberlistInsecureClear?: boolean;
  memberlistKeyDerivation?: string;
}

export function register(program: Command): void {
  const command = program
    .command('speaker')
    .description('announce Service IPs from this node (layer2, bgp, plugins)')
    .requiredOption('--node-name <name>', 'this node\'s name (the Node object)');
  withComponentOptions(command, '7473', 'third-party announcement plugin modules')
    .option('--memberlist-bind <addr:port>', 'layer2: bind the memberlist here (node IP:7946)')
    .option('--memberlist-join <addr:port...>', 'layer2: memberlist peers to join')
    .option('--memberlist-profile <name>', 'layer2: memberlist timings, fast (default) or lan')
    .option('--memberlist-insecure-clear', 'layer2: gossip without encryption when no secret is set')
    .option('--memberlist-key-derivation <name>', 'layer2: key sent with, metallb-v0.16.2 (default, as current MetalLB) or metallb-legacy (MetalLB <= v0.16.1); both are accepted on receive')
    .action(async (o: SpeakerFlags) => {
      const logger = createLogger();
      const entries = parsePluginOptions(process.env[PLUGIN_OPTIONS_ENV]);
      // Third-party plugins run in worker threads; one that cannot load does not stop the speaker (its pools fail).
      const plugins = loadPlugins(o.plugin ?? [], undefined, {
        declared: new Map(entries.filter((e) => e.protocol).map((e) => [e.module, e.protocol as string])),
        isolation: { validateFailure: 'warning' },
        logger: logger.child({ caller: 'plugins' }),
        onLoadError: (module, err) => logger.error({ caller: 'plugins', event: 'pluginLoadFailed', module, error: err.message }, 'plugin module not loaded; give its protocol in the plugin options so its pools are marked failed instead'),
      });
      const registry = plugins.registry;
      // Options of a module that failed to load (and declared no protocol) are dropped with it: its failure is logged.
      const failed = (o.plugin ?? []).filter((m) => !plugins.protocolOfModule.has(m));
      const fromEnv = pluginOptionsByProtocol(entries.filter((e) => e.protocol || !failed.includes(e.module)), plugins);
      const layer2 = fromEnv.layer2 ?? {};
      // Flags win over the chart's per-plugin options; unset flags leave those options alone.
      const memberlist: Record<string, unknown> = { ...((layer2.memberlist as Record<string, unknown> | undefined) ?? {}) };
      if (o.memberlistBind) Object.assign(memberlist, splitHostPort(o.memberlistBind));
      if (o.memberlistJoin?.length) memberlist.join = o.memberlistJoin;
      memberlist.profile = o.memberlistProfile ?? memberlist.profile ?? 'fast';
      if (o.memberlistInsecureClear) memberlist.insecureClear = true;
      if (o.memberlistKeyDerivation) memberlist.keyDerivation = parseKeyDerivation(o.memberlistKeyDerivation, '--memberlist-key-derivation');
      const pluginOptions: Record<string, Record<string, unknown>> = { ...fromEnv, layer2: { ...layer2, memberlist } };
      const running = await runSpeaker({
        kubeconfig: o.kubeconfig,
        namespace: o.namespace,
        nodeName: o.nodeName,
        loadBalancerClass: o.lbClass,
        metricsPort: Number(o.metricsPort),
        metricsHost: o.metricsHost,
        logger,
        registry,
        configOptions: configOptionsFor(registry),
        pluginOptions,
        pluginSecrets: pluginSecretNames(entries),
      });
      logger.info({ caller: 'main', event: 'started', node: o.nodeName, metricsPort: running.metricsPort }, 'speaker started');
      const sig = await untilSignal();
      logger.info({ caller: 'main', event: 'stopping', signal: sig }, 'speaker stopping');
      await running.stop();
      process.exit(0);
    });
}

/** `10.0.0.1:7946` or `[fd00::1]:7946` → bind address and port. */
export function splitHostPort(text: string): { bindAddr: string; bindPort: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m) throw new Error(`--memberlist-bind must be ADDR:PORT, got "${text}"`);
  return { bindAddr: m[1] ?? '', bindPort: Number(m[2]) };
}
