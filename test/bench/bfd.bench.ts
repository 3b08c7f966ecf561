// Route withdrawal at an FRR router after a speaker's link dies: with BFD (100 ms × 3) versus the BGP hold timer.
import { BgpLab, labAvailable, waitUntil } from '../integration/bgp/lab';
import { BFDD_FAST, frrBgpd } from '../integration/bgp/frr-config';
import { loadSockopt } from '../../plugins/bgp/native';

const KILLS = Number(process.env.BFD_BENCH_KILLS ?? 20);
const HOLD_KILLS = Number(process.env.BFD_BENCH_HOLD_KILLS ?? 3);
const HOLD = Number(process.env.BFD_BENCH_HOLD_SECONDS ?? 9);
const PREFIX = '198.51.100.77';

const BGPD = frrBgpd(` neighbor 192.168.1.10 remote-as 64501
 neighbor 192.168.1.10 timers 30 90
 neighbor 192.168.1.10 bfd
 neighbor 192.168.1.10 bfd profile fast
 neighbor 192.168.1.11 remote-as 64501
`);

const pct = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
};

/** Takes speaker `i`'s link down until the router's kernel loses the route; returns the ms it took, then restores the link. */
async function killOnce(lab: BgpLab, i: number, timeoutMs: number, withBfd: boolean): Promise<number> {
  const ns = lab.speakers[i]!.ns;
  await waitUntil('route in the router kernel', () => lab.exec(lab.routerNs, 'ip', ['route', 'show', PREFIX]).includes(lab.speakers[i]!.v4), 120_000, 50);
  if (withBfd) {
    const up = () => lab.vtyshJson<Array<{ peer: string; status: string }>>('show bfd peers json').some((p) => p.peer === lab.speakers[i]!.v4 && p.status === 'up');
    await waitUntil('BFD up at the router', up, 60_000, 50);
  }
  const t0 = process.hrtime.bigint();
  lab.exec(ns, 'ip', ['link', 'set', 'eth0', 'down']);
  try {
    await waitUntil('route withdrawn', () => !lab.exec(lab.routerNs, 'ip', ['route', 'show', PREFIX]).includes(lab.speakers[i]!.v4), timeoutMs, 5);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  } finally {
    lab.exec(ns, 'ip', ['link', 'set', 'eth0', 'up']);
  }
}

export async function run(): Promise<void> {
  if (!labAvailable('frr') || !loadSockopt()?.udpOpen) {
    process.stdout.write('skipped: needs root, FRR with bfdd, the native helper and a built dist/\n');
    return;
  }
  const lab = new BgpLab('bfdbench');
  try {
    lab.up(2);
    lab.startFrr(BGPD, BFDD_FAST);
    await waitUntil('bgpd', () => lab.vtysh('show bgp summary json').length > 0, 15000);
    const common = ['--peer', '192.168.1.1', '--my-asn', '64501', '--peer-asn', '64500', '--connect-time', '3', '--prefix', `${PREFIX}/32`];

    lab.announce(0, [...common, '--hold-time', '90', '--bfd', '100']);
    const bfd: number[] = [];
    for (let k = 0; k < KILLS; k++) bfd.push(await killOnce(lab, 0, 60_000, true));
    await lab.stopSpeaker(0, 'SIGTERM');

    lab.announce(1, [...common, '--hold-time', String(HOLD)]);
    const hold: number[] = [];
    for (let k = 0; k < HOLD_KILLS; k++) hold.push(await killOnce(lab, 1, (HOLD + 30) * 1000, false));

    const round = (x: number) => Math.round(x);
    process.stdout.write(
      `${JSON.stringify({
        withdrawAfterLinkDeath: {
          bfd100msX3: { kills: bfd.length, p50Ms: round(pct(bfd, 50)), p99Ms: round(pct(bfd, 99)), maxMs: round(Math.max(...bfd)) },
          holdTimer: { holdSeconds: HOLD, kills: hold.length, p50Ms: round(pct(hold, 50)), maxMs: round(Math.max(...hold)), note: 'MetalLB default hold time is 90 s' },
        },
      })}\n`,
    );
  } finally {
    lab.down();
  }
}
