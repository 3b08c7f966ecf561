// How fast FRR holds 10,000 prefixes from one `metallbts bgp announce` speaker, next to GoBGP's gobgpd announcing the same prefixes into the same FRR in the same run.
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BgpLab, labAvailable, waitUntil } from '../integration/bgp/lab';
import { frrBgpd } from '../integration/bgp/frr-config';
import { mrtTableDump } from './tools/mrt';

const COUNT = Number(process.env.BGP_BENCH_PREFIXES ?? 10000);

const BGPD_CONF = frrBgpd(` neighbor SPEAKERS peer-group
 neighbor SPEAKERS remote-as external
 bgp listen range 192.168.1.0/24 peer-group SPEAKERS
`);

interface NeighborJson {
  [addr: string]: { bgpState?: string; messageStats?: { updatesRecv?: number }; addressFamilyInfo?: { ipv4Unicast?: { acceptedPrefixCounter?: number } } };
}

interface Convergence {
  /** Neighbour configured/started → FRR sees the session Established. */
  sessionUpMs: number;
  /** Established → FRR's RIB holds every prefix. */
  ribFullMsAfterUp: number;
  /** Established → every prefix in the router's kernel table. */
  kernelFullMsAfterUp: number;
  updateMessages: number;
  prefixesPerUpdate: number;
  /** Cease/withdraw of everything → FRR's RIB empty. */
  withdrawAllMs: number;
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** Starts one announcer (`start`), measures FRR until it holds all prefixes, then `stop`s it and measures the withdrawal. */
async function converge(lab: BgpLab, address: string, start: () => void, stop: () => Promise<void>, onFull?: () => void): Promise<Convergence> {
  const neighbor = () => lab.vtyshJson<NeighborJson>(`show bgp neighbors ${address} json`)[address];
  const accepted = () => neighbor()?.addressFamilyInfo?.ipv4Unicast?.acceptedPrefixCounter ?? 0;
  const ribSize = () => Object.keys(lab.vtyshJson<{ routes?: Record<string, unknown> }>('show bgp ipv4 unicast json').routes ?? {}).length;
  const kernelRoutes = () => Number(lab.exec(lab.routerNs, 'sh', ['-c', 'ip route show proto bgp | wc -l']));
  const t0 = Date.now();
  start();
  await waitUntil(`${address} Established`, () => neighbor()?.bgpState === 'Established', 30000, 50);
  const tUp = Date.now();
  await waitUntil(`${COUNT} prefixes from ${address}`, () => accepted() >= COUNT, 120000, 100);
  const tAll = Date.now();
  const updates = neighbor()?.messageStats?.updatesRecv ?? NaN;
  onFull?.();
  await waitUntil('kernel routes', () => kernelRoutes() >= COUNT, 120000, 200);
  const tKernel = Date.now();
  const tStop = Date.now();
  await stop();
  await waitUntil('routes withdrawn', () => ribSize() === 0, 60000, 200);
  const tGone = Date.now();
  await waitUntil('kernel empty', () => kernelRoutes() === 0, 60000, 200);
  return {
    sessionUpMs: tUp - t0,
    ribFullMsAfterUp: tAll - tUp,
    kernelFullMsAfterUp: tKernel - tUp,
    updateMessages: updates,
    prefixesPerUpdate: Number((COUNT / updates).toFixed(1)),
    withdrawAllMs: tGone - tStop,
  };
}

export async function run(): Promise<void> {
  if (!labAvailable('frr') || !labAvailable('gobgp')) {
    process.stdout.write('skipped: needs root, FRR (/usr/lib/frr/bgpd), gobgpd and a built dist/\n');
    return;
  }
  const lab = new BgpLab('bench');
  try {
    lab.up(2);
    lab.startFrr(BGPD_CONF);
    await waitUntil('bgpd', () => lab.vtysh('show bgp summary json').length > 0, 15000);
    const prefixes = Array.from({ length: COUNT }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
    const file = join(lab.dir, 'prefixes.txt');
    writeFileSync(file, prefixes.join('\n'));

    // metallbts on s0 (192.168.1.10, AS 64501).
    let rss = NaN;
    const ours = await converge(
      lab,
      '192.168.1.10',
      () => void lab.announce(0, ['--peer', '192.168.1.1', '--my-asn', '64501', '--peer-asn', '64500', '--prefixes-from', file]),
      async () => void (await lab.stopSpeaker(0, 'SIGTERM', 20000)),
      () => (rss = rssKb(lab.speakers[0]!.proc!.pid!)),
    );

    // gobgpd on s1 (192.168.1.11, AS 64502): the same prefixes injected into its global RIB first, then the neighbour is added.
    const s1 = lab.speakers[1]!;
    const conf = join(lab.dir, 'gobgpd.toml');
    writeFileSync(conf, '[global.config]\n  as = 64502\n  router-id = "192.168.1.11"\n  port = -1\n');
    const mrt = join(lab.dir, 'prefixes.mrt');
    // Every prefix twice: Debian's gobgp 3.10 CLI exits before its stream is flushed, losing the tail of the file (re-adding a path is harmless).
    writeFileSync(mrt, mrtTableDump([...prefixes, ...prefixes], { peerIp: '10.255.255.1', peerAs: 65000, nextHop: '192.168.1.11' }));
    const gobgpd = spawn('ip', ['netns', 'exec', s1.ns, 'gobgpd', '-f', conf, '--api-hosts', '127.0.0.1:50051', '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const gobgp = (args: string[]) => lab.exec(s1.ns, 'gobgp', ['-u', '127.0.0.1', '-p', '50051', ...args], { timeoutMs: 60000 });
    try {
      await waitUntil('gobgpd API', () => gobgp(['global']).includes('64502'), 15000, 100);
      const tInject = Date.now();
      await waitUntil(`${COUNT} prefixes in gobgpd`, () => {
        gobgp(['mrt', 'inject', 'global', mrt]);
        return Number(/Destination:\s*(\d+)/.exec(gobgp(['global', 'rib', 'summary']))?.[1] ?? 0) >= COUNT;
      }, 60000, 200);
      const injectMs = Date.now() - tInject;
      const theirs = await converge(
        lab,
        '192.168.1.11',
        () => void gobgp(['neighbor', 'add', '192.168.1.1', 'as', '64500']),
        async () => void gobgp(['neighbor', 'del', '192.168.1.1']),
      );
      const ratio = (a: number, b: number) => Number((a / b).toFixed(2));
      process.stdout.write(`${JSON.stringify({ prefixes: COUNT, metallbts: { ...ours, speakerRssMiB: Number((rss / 1024).toFixed(1)) }, gobgpd: { ...theirs, mrtInjectMs: injectMs } })}\n`);
      process.stdout.write(
        `${JSON.stringify({
          ratioMetallbtsToGobgpd: {
            sessionUp: ratio(ours.sessionUpMs, theirs.sessionUpMs),
            ribFullAfterUp: ratio(ours.ribFullMsAfterUp, theirs.ribFullMsAfterUp),
            kernelFullAfterUp: ratio(ours.kernelFullMsAfterUp, theirs.kernelFullMsAfterUp),
            withdrawAll: ratio(ours.withdrawAllMs, theirs.withdrawAllMs),
          },
        })}\n`,
      );
    } finally {
      if (gobgpd.exitCode === null) gobgpd.kill('SIGKILL');
    }
  } finally {
    lab.down();
  }
}
