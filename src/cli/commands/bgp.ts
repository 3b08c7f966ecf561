// `metallbts bgp announce`: one BGP session announcing prefixes, JSON-line events, withdraw + Cease on a signal.
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { createLogger } from '../../core/log';
import { BgpSession } from '../../../plugins/bgp/session';
import { BgpOptionsError } from '../../../plugins/bgp/session-options';
import { loadSockopt } from '../../../plugins/bgp/native';
import { canonicalPrefix } from '../../../plugins/bgp/codec';
import { parseCommunity, splitCommunities } from '../../../plugins/bgp/communities';
import { BfdSession } from '../../../plugins/bgp/bfd/session';
import { BfdTransport } from '../../../plugins/bgp/bfd/transport';
import { stopPeer } from '../../../plugins/bgp/peer-shutdown';

interface AnnounceOptions {
  peer: string;
  peerPort: string;
  myAsn: string;
  peerAsn: string;
  routerId?: string;
  sourceAddress?: string;
  holdTime: string;
  keepaliveTime?: string;
  connectTime: string;
  password?: string;
  community: string[];
  largeCommunity: string[];
  localPref?: string;
  med?: string;
  ebgpMultihop?: boolean;
  gracefulRestart?: string;
  nextHopV6?: string;
  nextHop?: string;
  prefix?: string[];
  prefixesFrom?: string;
  bfd?: string;
  bfdMultiplier: string;
  vrf?: string;
}

const collect = (v: string, prev: string[]) => [...prev, v];

function int(text: string | undefined, name: string, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max) throw new RangeError(`--${name} must be an integer ${min}..${max}, got ${JSON.stringify(text)}`);
  return Number(text);
}

function line(obj: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify({ ts: new Date().toISOString(), ...obj })}\n`);
}

async function announce(o: AnnounceOptions): Promise<void> {
  const listed = o.prefixesFrom ? readFileSync(o.prefixesFrom, 'utf8').split(/\s+/).filter(Boolean) : [];
  const prefixes = [...(o.prefix ?? []), ...listed].map(canonicalPrefix);
  if (prefixes.length === 0) throw new Error('give at least one --prefix or a --prefixes-from file');
  const parsed = [...o.community, ...o.largeCommunity.map((l) => (l.startsWith('large:') ? l : `large:${l}`))].map((c) => parseCommunity(c));
  const { communities, largeCommunities } = splitCommunities(parsed);
  if (o.password !== undefined && !loadSockopt()) {
    throw new BgpOptionsError('--password needs the native TCP-MD5 helper: build it with `npx node-gyp rebuild -C native/tcpmd5`');
  }
  if (o.vrf !== undefined && !loadSockopt()?.bindToDevice) {
    throw new BgpOptionsError('--vrf needs the native helper (SO_BINDTODEVICE): build it with `npm run build:native`');
  }
  const logger = createLogger({ destination: 1 });
  const session = new BgpSession({
    vrf: o.vrf,
    vrfSource: '--vrf',
    peerAddress: o.peer,
    peerPort: int(o.peerPort, 'peer-port', 1, 65535),
    myAsn: int(o.myAsn, 'my-asn', 1, 0xffffffff)!,
    peerAsn: int(o.peerAsn, 'peer-asn', 1, 0xffffffff)!,
    routerId: o.routerId,
    sourceAddress: o.sourceAddress,
    holdTime: int(o.holdTime, 'hold-time', 0, 65535),
    keepaliveTime: int(o.keepaliveTime, 'keepalive-time', 0, 65535),
    connectTime: int(o.connectTime, 'connect-time', 1, 3600),
    password: o.password,
    ebgpMultihop: o.ebgpMultihop === true,
    gracefulRestart: o.gracefulRestart !== undefined ? { restartTime: int(o.gracefulRestart, 'graceful-restart', 0, 4095)! } : undefined,
    nextHopV4: o.nextHop,
    nextHopV6: o.nextHopV6,
    logger,
  });
  const bfd = startBfd(o, session, logger);
  const attrs = { communities, largeCommunities, localPref: int(o.localPref, 'local-pref', 0, 0xffffffff), med: int(o.med, 'med', 0, 0xffffffff) };
  for (const p of prefixes) session.announce(p, attrs);
  session.on('established', () =>
    line({ event: 'announced', peer: session.opts.name, prefixes: prefixes.length > 20 ? prefixes.length : prefixes, families: session.session?.families }),
  );
  session.start();
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      line({ event: 'stopping', signal, peer: session.opts.name });
      // SIGTERM is a restart (a rolling update, a service manager): with graceful restart the peer keeps our routes.
      const graceful = signal === 'SIGTERM' && o.gracefulRestart !== undefined;
      void stopPeer(session, bfd, graceful).then(() => {
        line({ event: 'stopped', peer: session.opts.name });
        resolve();
      });
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** With --bfd: a single-hop (or multihop with --ebgp-multihop) BFD session whose Down resets the BGP session. */
function startBfd(o: AnnounceOptions, session: BgpSession, logger: ReturnType<typeof createLogger>): { stop(): void } | undefined {
  const interval = int(o.bfd, 'bfd', 10, 60000);
  if (interval === undefined) return undefined;
  if (!loadSockopt()?.udpOpen) throw new BgpOptionsError('--bfd needs the native helper: build it with `npm run build:native`');
  const transport = new BfdTransport({ logger, multihop: o.ebgpMultihop === true, ...(o.vrf !== undefined ? { device: o.vrf } : {}) });
  const bfd = new BfdSession(o.peer, { receiveInterval: interval, transmitInterval: interval, detectMultiplier: int(o.bfdMultiplier, 'bfd-multiplier', 2, 255) }, transport, { logger });
  bfd.on('up', () => {
    line({ event: 'bfdUp', peer: o.peer });
    session.retryNow();
  });
  bfd.on('down', ({ diag }: { diag: number }) => {
    line({ event: 'bfdDown', peer: o.peer, diag });
    session.reset(`BFD down (diag ${diag})`);
  });
  bfd.start();
  return {
    stop() {
      bfd.stop();
      transport.close();
    },
  };
}

export function register(program: Command): void {
  const bgp = program.command('bgp').description('native BGP tools');
  bgp
    .command('announce')
    .description('open one BGP session and announce prefixes until SIGINT/SIGTERM (then withdraw and Cease; SIGTERM with --graceful-restart only closes, so the peer keeps the routes)')
    .requiredOption('--peer <addr>', 'peer address')
    .option('--peer-port <port>', 'peer TCP port', '179')
    .requiredOption('--my-asn <asn>', 'local ASN (1..4294967295)')
    .requiredOption('--peer-asn <asn>', 'peer ASN')
    .option('--router-id <id>', 'BGP identifier (default: local IPv4 of the session, else an IPv4 of this host)')
    .option('--source-address <addr>', 'local address to connect from')
    .option('--hold-time <s>', 'hold time in seconds (0 or ≥ 3)', '90')
    .option('--keepalive-time <s>', 'keepalive interval (default hold/3)')
    .option('--connect-time <s>', 'TCP connect + OPEN timeout', '10')
    .option('--password <key>', 'TCP-MD5 key (needs native/tcpmd5 built)')
    .option('--community <c>', 'community "a:b" or well-known name (repeatable)', collect, [])
    .option('--large-community <l>', 'large community "a:b:c" (repeatable)', collect, [])
    .option('--local-pref <n>', 'LOCAL_PREF (iBGP only)')
    .option('--med <n>', 'MULTI_EXIT_DISC')
    .option('--ebgp-multihop', 'eBGP TTL 255 instead of 1')
    .option('--graceful-restart <s>', 'advertise graceful restart with this restart time; SIGTERM then closes without withdrawing')
    .option('--next-hop <addr>', 'IPv4 next hop (default: local address)')
    .option('--next-hop-v6 <addr>', 'IPv6 next hop (default: local IPv6 address, or IPv4-mapped)')
    .option('--prefix <p...>', 'prefixes to announce')
    .option('--prefixes-from <file>', 'more prefixes, whitespace-separated, from a file')
    .option('--bfd <ms>', 'run BFD with this receive/transmit interval; its Down resets the session (needs native/tcpmd5)')
    .option('--bfd-multiplier <n>', 'BFD detect multiplier', '3')
    .option('--vrf <device>', 'bind the session (and BFD) to this VRF or interface (SO_BINDTODEVICE; needs native/tcpmd5)')
    .action(async (o: AnnounceOptions, cmd: Command) => {
      try {
        await announce(o);
      } catch (err) {
        // Bad option values are usage errors (exit 2), with the message alone.
        if (err instanceof RangeError || err instanceof BgpOptionsError || /^give at least/.test((err as Error).message)) {
          cmd.error(`error: ${(err as Error).message}`, { exitCode: 2, code: 'metallbts.usage' });
        }
        throw err;
      }
    });
}
