// How fast FRR holds 10,000 prefixes from one `metallbts bgp announce` speaker, in how many UPDATEs, at what speaker RSS.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BgpLab, labAvailable, waitUntil } from '../integration/bgp/lab';
import { frrBgpd } from '../integration/bgp/frr-config';

const COUNT = Number(process.env.BGP_BENCH_PREFIXES ?? 10000);

const BGPD_CONF = frrBgpd(` neighbor SPEAKERS peer-group
 neighbor SPEAKERS remote-as external
 bgp listen range 192.168.1.0/24 peer-group SPEAKERS
`);

interface NeighborJson {
  [addr: string]: { messageStats?: { updatesRecv?: number }; addressFamilyInfo?: { ipv4Unicast?: { acceptedPrefixCounter?: number } } };
}

function rssKb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export async function run(): Promise<void> {
  if (!labAvailable('frr')) {
    process.stdout.write('skipped: needs root, FRR (/usr/lib/frr/bgpd) and a built dist/\n');
    return;
  }
  const lab = new BgpLab('bench');
  try {
    lab.up(1);
    lab.startFrr(BGPD_CONF);
    await waitUntil('bgpd', () => lab.vtysh('show bgp summary json').length > 0, 15000);
    const prefixes = Array.from({ length: COUNT }, (_, i) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}/32`);
    const file = join(lab.dir, 'prefixes.txt');
    writeFileSync(file, prefixes.join('\n'));
    const neighbor = () => lab.vtyshJson<NeighborJson>('show bgp neighbors 192.168.1.10 json')['192.168.1.10'];
    const accepted = () => neighbor()?.addressFamilyInfo?.ipv4Unicast?.acceptedPrefixCounter ?? 0;

    const t0 = Date.now();
    const s = lab.announce(0, ['--peer', '192.168.1.1', '--my-asn', '64501', '--peer-asn', '64500', '--prefixes-from', file]);
    await waitUntil('session up', () => s.output.some((l) => l.includes('"sessionUp"')), 30000, 50);
    const tUp = Date.now();
    await waitUntil(`${COUNT} prefixes in FRR`, () => accepted() >= COUNT, 120000, 100);
    const tAll = Date.now();
    const updates = neighbor()?.messageStats?.updatesRecv ?? NaN;
    const rss = rssKb(s.proc!.pid!);
    await waitUntil('kernel routes', () => Number(lab.exec(lab.routerNs, 'sh', ['-c', 'ip route show proto bgp | wc -l'])) >= COUNT, 120000, 200);
    const tKernel = Date.now();

    const tStop = Date.now();
    await lab.stopSpeaker(0, 'SIGTERM', 20000);
    await waitUntil('routes withdrawn', () => lab.vtyshJson<{ routes?: Record<string, unknown> }>('show bgp ipv4 unicast json').routes === undefined || Object.keys(lab.vtyshJson<{ routes?: Record<string, unknown> }>('show bgp ipv4 unicast json').routes ?? {}).length === 0, 60000, 200);
    const tGone = Date.now();

    const result = {
      prefixes: COUNT,
      sessionUpMs: tUp - t0,
      ribFullMsAfterUp: tAll - tUp,
      kernelFullMsAfterUp: tKernel - tUp,
      updateMessages: updates,
      prefixesPerUpdate: Number((COUNT / updates).toFixed(1)),
      speakerRssMiB: Number((rss / 1024).toFixed(1)),
      withdrawAllMs: tGone - tStop,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    lab.down();
  }
}
