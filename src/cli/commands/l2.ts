// `metallbts l2 announce`: answer ARP/NDP for VIPs from this host, the layer-2 plugin without Kubernetes.
import type { Command } from 'commander';
import { createLogger } from '../../core/log';
import { canonicalIp } from '../../core/net/ip';
import { Layer2Responders } from '../../../plugins/layer2/responders';
import { SysfsInterfaces, eligible } from '../../../plugins/layer2/interfaces';

interface AnnounceOptions {
  interface: string[];
  ip: string[];
  logLevel?: string;
}

const collect = (value: string, prev: string[]): string[] => [...prev, value];

/** Runs until SIGINT/SIGTERM; resolves with the exit code. */
export async function announce(opts: AnnounceOptions): Promise<number> {
  const log = createLogger({ level: opts.logLevel ?? 'info', destination: 1 }).child({ caller: 'l2' });
  const ips: string[] = [];
  if (opts.ip.length === 0) {
    process.stderr.write('metallbts l2 announce: at least one --ip is required\n');
    return 2;
  }
  for (const text of opts.ip) {
    const ip = canonicalIp(text);
    if (!ip) {
      process.stderr.write(`metallbts l2 announce: not an IP address: ${text}\n`);
      return 2;
    }
    ips.push(ip);
  }
  const sysfs = new SysfsInterfaces();
  for (const name of opts.interface) {
    const info = sysfs.get(name);
    const ok = info ? eligible(info, { explicit: true }) : { ok: false as const, reason: 'no such interface' };
    if (!ok.ok) {
      process.stderr.write(`metallbts l2 announce: interface ${name}: ${ok.reason}\n`);
      return 1;
    }
  }
  const responders = new Layer2Responders({
    logger: log,
    interfaces: opts.interface,
    explicitInterfaces: opts.interface.length > 0,
    source: sysfs,
  });
  responders.start();
  if (responders.interfaces().length === 0) {
    process.stderr.write('metallbts l2 announce: no eligible interface\n');
    responders.stop();
    return 1;
  }
  for (const ip of ips) {
    responders.announce(ip);
    log.info({ event: 'serviceAnnounced', ip, interface: responders.interfaces().join(',') }, 'announcing IP');
  }
  await new Promise<void>((resolve) => {
    const done = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      log.info({ event: 'shutdown', signal: sig }, 'stopping layer2 announcements');
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
    // Keep the process alive even if every socket were unref'd.
    const keep = setInterval(() => undefined, 1 << 30);
    process.once('exit', () => clearInterval(keep));
  });
  responders.stop();
  process.exit(0);
}

export function register(program: Command): void {
  const l2 = program.command('l2').description('layer 2 (ARP/NDP) tools');
  l2.command('announce')
    .description('answer ARP/NDP for the given IPs from this host and log each request answered (until SIGINT/SIGTERM)')
    .option('--interface <name>', 'interface to answer on (repeatable; default: every eligible interface)', collect, [])
    .requiredOption('--ip <address>', 'IPv4/IPv6 address to announce (repeatable)', collect, [])
    .option('--log-level <level>', 'log level', 'info')
    .action(async (opts: AnnounceOptions) => {
      process.exitCode = await announce(opts);
    });
}
