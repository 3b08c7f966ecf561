// Failed requests to a BGP VIP through FRR while the speaker restarts: graceful restart on (SIGTERM, SIGKILL) next to off.
import { startControlPlane } from '../harness/apiserver';
import { kubectlJson, kubectlOk } from '../harness/kubectl';
import { BgpLab, labAvailable } from '../integration/bgp/lab';
import { frrBgpd } from '../integration/bgp/frr-config';
import { RestartableSpeaker } from '../integration/bgp/restartable-speaker';
import { serveVip, VipPoller, type PollResult } from '../integration/bgp/vip-traffic';
import { bgpPeerObject, webServiceIp, webServiceObjects } from '../integration/bgp/web-service';
import { eventually, installMetallbSystem, NAMESPACE } from '../support/metallb-system';
import { startTestController } from '../support/test-controller';

const RESTARTS = Number(process.env.GR_BENCH_RESTARTS ?? 5);
const POLL_MS = 20;
const POOL = '198.51.100.64/28';
const BGPD = frrBgpd(` neighbor 192.168.1.10 remote-as 64501
`);
const peer = (gr: boolean): string => bgpPeerObject('router', `enableGracefulRestart: ${gr}`);

interface CaseResult {
  what: string;
  requests: number;
  failedPerRestart: number[];
  /** Longest run of consecutive failures per restart, first failure to next success (ms). */
  outageMs: number[];
}

/** First failure to the next success, the longest such span in one poll run (ms). */
function longestOutage(lines: string[]): number {
  let start: number | undefined;
  let worst = 0;
  for (const l of lines) {
    const t = Date.parse(l.slice(0, l.indexOf(' ')));
    if (/ fail /.test(l)) start ??= t;
    else if (start !== undefined) {
      worst = Math.max(worst, t - start);
      start = undefined;
    }
  }
  return worst;
}

const max = (xs: number[]) => (xs.length ? Math.max(...xs) : 0);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export async function run(): Promise<void> {
  if (!labAvailable('frr')) {
    process.stdout.write('skipped: needs root, FRR and a built dist/\n');
    return;
  }
  const cp = await startControlPlane();
  const access = {
    get: () => cp,
    kubectlOk: (args: string[], o?: { input?: string }) => kubectlOk(cp.kubeconfigPath, args, o),
    kubectlJson: <T>(args: string[]) => kubectlJson<T>(cp.kubeconfigPath, args),
  };
  const lab = new BgpLab('grbench', 'bgpgr');
  let speaker: RestartableSpeaker | undefined;
  let poller: VipPoller | undefined;
  const stops: Array<() => unknown> = [];
  try {
    const kubeconfigs = await installMetallbSystem(access);
    await access.kubectlOk(['apply', '-f', '-'], { input: webServiceObjects(POOL, peer(true)) });
    const controller = await startTestController(kubeconfigs.controller);
    stops.push(() => controller.stop());
    lab.up(2);
    lab.startFrr(BGPD);
    speaker = await RestartableSpeaker.create(lab.speakers[0]!.ns, lab.dir, access, kubeconfigs.speaker, 'node-a');
    const ip = await webServiceIp(access);
    const server = await serveVip(lab, lab.speakers[0]!.ns, lab.speakers[1]!.ns, ip, POOL);
    stops.push(() => server.kill('SIGKILL'));
    const fresh = async () => {
      const r = lab.vtyshJson<{ paths?: Array<{ stale?: boolean }> }>(`show bgp ipv4 unicast ${ip}/32 json`);
      return r.paths?.length && r.paths.every((p) => !p.stale) ? true : undefined;
    };
    const okAtLeast = (n: number) => eventually(`${n} successful requests`, async () => (poller!.counts().ok >= n ? true : undefined), 60_000, 20);

    const results: CaseResult[] = [];
    for (const c of [
      { what: 'graceful restart, SIGTERM', gr: true, signal: 'SIGTERM' as const },
      { what: 'graceful restart, SIGKILL', gr: true, signal: 'SIGKILL' as const },
      { what: 'no graceful restart, SIGTERM', gr: false, signal: 'SIGTERM' as const },
    ]) {
      await speaker.kill('SIGKILL');
      await access.kubectlOk(['-n', NAMESPACE, 'delete', 'bgppeer', 'router', '--ignore-not-found']);
      await access.kubectlOk(['apply', '-f', '-'], { input: peer(c.gr) });
      speaker.start();
      await eventually('route in FRR', fresh, 60_000);
      const r: CaseResult = { what: c.what, requests: 0, failedPerRestart: [], outageMs: [] };
      for (let i = 0; i < RESTARTS; i++) {
        const eors = speaker.logs.filter((l) => l.includes('"endOfRibSent"')).length;
        poller = VipPoller.start(lab, lab.speakers[1]!.ns, ip, POLL_MS);
        await okAtLeast(10);
        // A rolling restart: the old process goes, the new one starts at once.
        await speaker.kill(c.signal);
        speaker.start();
        await eventually('End-of-RIB from the new speaker', async () => (speaker!.logs.filter((l) => l.includes('"endOfRibSent"')).length > eors ? true : undefined), 60_000, 20);
        await eventually('route in FRR', fresh, 60_000, 20);
        await okAtLeast(poller.counts().ok + 10);
        const res: PollResult = await poller.stop();
        const lines = poller.lines();
        poller = undefined;
        r.requests += res.ok + res.failed.length;
        r.failedPerRestart.push(res.failed.length);
        r.outageMs.push(longestOutage(lines));
      }
      results.push(r);
    }
    const rows = results.map((r) => [r.what, String(RESTARTS), String(r.requests), String(sum(r.failedPerRestart)), String(max(r.failedPerRestart)), String(max(r.outageMs))]);
    const head = ['case', 'restarts', 'requests', 'failed', 'max failed/restart', 'longest outage ms'];
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
    process.stdout.write(`speaker restarts under traffic (HTTP every ${POLL_MS} ms through FRR, helper mode, restart time 120 s)\n`);
    process.stdout.write(`${line(head)}\n${rows.map(line).join('\n')}\n`);
  } finally {
    await poller?.stop();
    await speaker?.stop();
    for (const s of stops.reverse()) await s();
    lab.down();
    await cp.stop();
  }
}
