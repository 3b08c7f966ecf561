// `metallbts memberlist`: join a gossip cluster and print member events as JSON lines until a signal.
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { splitHostPort } from '../../memberlist/address';
import { Memberlist } from '../../memberlist/memberlist';
import type { MemberInfo, MembershipEvent } from '../../memberlist/membership';
import type { ProfileName } from '../../memberlist/profiles';
import { DEFAULT_KEY_DERIVATION, parseKeyDerivation } from '../../memberlist/key-derivation';
import { createLogger } from '../../core/log';

interface MemberlistCliOptions {
  name: string;
  bind: string;
  join: string[];
  secretFile?: string;
  secret?: string;
  insecureClear?: boolean;
  profile: string;
  keyDerivation: string;
  label?: string;
  joinTimeout: string;
}

function line(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), ...obj })}\n`);
}

function eventLine(event: MembershipEvent, n: MemberInfo): void {
  line({ event, node: n.name, addr: `${n.addr}:${n.port}`, incarnation: n.incarnation });
}

async function run(o: MemberlistCliOptions): Promise<void> {
  if (o.profile !== 'fast' && o.profile !== 'lan') throw new Error(`--profile must be fast or lan, got ${o.profile}`);
  const { host, port } = splitHostPort(o.bind);
  // MetalLB mounts the Secret's `secretkey`; the file content is the secret (trailing newline ignored).
  const secret = o.secretFile ? readFileSync(o.secretFile, 'utf8').replace(/\r?\n$/, '') : o.secret;
  const ml = await Memberlist.create({
    name: o.name,
    bindAddr: host,
    bindPort: port,
    secret,
    keyDerivation: parseKeyDerivation(o.keyDerivation, '--key-derivation'),
    insecureClear: o.insecureClear === true,
    label: o.label,
    profile: o.profile as ProfileName,
    logger: createLogger({ level: process.env.METALLBTS_LOG_LEVEL ?? 'warn' }).child({ caller: 'memberlist' }),
  });
  ml.on('change', eventLine);
  line({ event: 'ready', node: o.name, addr: `${host}:${ml.port}` });
  if (o.join.length > 0) {
    // Retry until one peer answers or the join timeout passes (peers may start after us).
    const deadline = Date.now() + Number(o.joinTimeout) * 1000;
    for (let attempt = 0; ; attempt++) {
      try {
        const n = await ml.join(o.join);
        line({ event: 'joined', node: o.name, peers: n });
        break;
      } catch (err) {
        if (Date.now() > deadline) {
          line({ event: 'join-failed', node: o.name, error: (err as Error).message });
          break;
        }
        await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** attempt)));
      }
    }
  }
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (): void => {
      if (stopping) return;
      stopping = true;
      void (async () => {
        await ml.leave(1000);
        await ml.shutdown();
        line({ event: 'shutdown', node: o.name });
        resolve();
      })();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

export function register(program: Command): void {
  program
    .command('memberlist')
    .description('join a memberlist gossip cluster and print member events as JSON lines')
    .requiredOption('--name <name>', 'member name (MetalLB: the node name)')
    .requiredOption('--bind <addr:port>', 'address and port to bind (UDP and TCP)')
    .option('--join <addr:port>', 'peer to join (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--secret-file <file>', 'file holding the MetalLB memberlist secret (secretkey)')
    .option('--secret <secret>', 'the MetalLB memberlist secret itself')
    .option('--key-derivation <name>', 'secret to key: metallb-v0.16.2 (sha256(secret)) or metallb-legacy; sends with it, accepts both', DEFAULT_KEY_DERIVATION)
    .option('--insecure-clear', 'gossip without encryption (refused otherwise)')
    .option('--label <label>', 'memberlist label header (memberlist >= 0.3 peers only)')
    .option('--profile <profile>', 'timings: fast | lan', 'fast')
    .option('--join-timeout <seconds>', 'keep retrying the join this long', '30')
    .action(async (opts: MemberlistCliOptions) => {
      await run(opts);
    });
}
