// ARP responder throughput and reply latency under a closed-loop ARP flood between namespaces (real `l2 announce`, real AF_PACKET).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PacketSocket } from '../../plugins/layer2/afpacket';
import { decodeArpFrame, encodeArpFrame, ETHERTYPE_ARP, Layer2DecodeError } from '../../plugins/layer2/codec';
import { canRunNetns, collectLines, L2Lab, REPO, sleep } from '../integration/layer2/netns-lab';

const VIP = '192.168.1.240';
/** Requests in flight; each uses its own sender IP so replies can be matched (TPA = that IP). */
const WINDOW = 32;
const DURATION_MS = Number(process.env.L2_BENCH_MS ?? 3000);
const MAX_REQUESTS = 500_000;

interface FloodResult {
  sent: number;
  replies: number;
  seconds: number;
  p50us: number;
  p99us: number;
  maxus: number;
}

/** Runs inside the client namespace: keeps WINDOW requests outstanding for DURATION_MS, prints JSON. */
async function flood(ifname: string, vip: string, durationMs: number): Promise<void> {
  const dir = `/sys/class/net/${ifname}`;
  const ifindex = Number(readFileSync(join(dir, 'ifindex'), 'utf8'));
  const mac = readFileSync(join(dir, 'address'), 'utf8').trim();
  const senderIp = (slot: number): string => `192.168.1.${150 + slot}`;
  const sentAt = new Array<bigint>(WINDOW).fill(0n);
  const latencies: number[] = [];
  let sent = 0;
  let replies = 0;
  let stop = false;
  const frames = Array.from({ length: WINDOW }, (_, slot) =>
    encodeArpFrame({ ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: mac, op: 1, senderMac: mac, senderIp: senderIp(slot), targetMac: '00:00:00:00:00:00', targetIp: vip }),
  );
  const send = (slot: number): void => {
    if (stop || sent >= MAX_REQUESTS) return;
    sentAt[slot] = process.hrtime.bigint();
    sent++;
    sock.send(frames[slot]);
  };
  const sock = new PacketSocket(ifindex, ETHERTYPE_ARP, (frame) => {
    let f;
    try {
      f = decodeArpFrame(frame);
    } catch (e) {
      if (e instanceof Layer2DecodeError) return;
      throw e;
    }
    if (f.op !== 2 || f.senderIp !== vip || f.targetMac !== mac) return;
    const slot = Number(f.targetIp.split('.')[3]) - 150;
    if (slot < 0 || slot >= WINDOW || sentAt[slot] === 0n) return;
    latencies.push(Number(process.hrtime.bigint() - sentAt[slot]) / 1000);
    sentAt[slot] = 0n;
    replies++;
    send(slot);
  });
  const started = process.hrtime.bigint();
  for (let s = 0; s < WINDOW; s++) send(s);
  // A lost request would stall its slot: re-arm slots idle for > 200 ms.
  const rearm = setInterval(() => {
    const now = process.hrtime.bigint();
    for (let s = 0; s < WINDOW; s++) if (sentAt[s] !== 0n && now - sentAt[s] > 200_000_000n) send(s);
  }, 100);
  await sleep(durationMs);
  stop = true;
  clearInterval(rearm);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  sock.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? NaN;
  const out: FloodResult = { sent, replies, seconds, p50us: q(0.5), p99us: q(0.99), maxus: latencies[latencies.length - 1] ?? NaN };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

async function measure(lab: L2Lab, logLevel: string): Promise<FloodResult> {
  const node = lab.nodes[0];
  const bin = join(REPO, 'bin', 'metallbts.js');
  const p = lab.spawn(node.ns, process.execPath, [bin, 'l2', 'announce', '--interface', 'eth0', '--ip', VIP, '--log-level', logLevel]);
  collectLines(p); // drain stdout so logging never blocks on a full pipe
  try {
    // Ready when it answers: probe with arping (bounded), since at level warn it logs nothing.
    for (let i = 0; i < 40 && !/bytes from/.test(lab.exec(lab.client.ns, 'arping', ['-c', '1', '-w', '1', '-I', 'eth0', VIP]).stdout); i++) await sleep(250);
    const r = await lab.execAsync(lab.client.ns, process.execPath, [__filename, '--flood', 'eth0', VIP, String(DURATION_MS)], DURATION_MS + 20_000);
    const line = r.stdout.trim().split('\n').pop() ?? '';
    if (r.code !== 0 || !line.startsWith('{')) throw new Error(`flood failed (${r.code}): ${r.stderr.slice(-1000)}`);
    return JSON.parse(line) as FloodResult;
  } finally {
    p.kill('SIGTERM');
    await sleep(300);
  }
}

export async function run(): Promise<void> {
  if (!canRunNetns()) {
    process.stdout.write('layer2 bench skipped: needs root and iproute2\n');
    return;
  }
  if (!__filename.endsWith('.js')) {
    process.stdout.write('layer2 bench skipped: run from dist (npm run bench)\n');
    return;
  }
  const lab = new L2Lab(1, 'bench');
  try {
    lab.up();
    for (const level of ['warn', 'info']) {
      const r = await measure(lab, level);
      process.stdout.write(
        `arp flood (window ${WINDOW}, log level ${level}): ${r.replies} replies / ${r.sent} requests in ${r.seconds.toFixed(2)} s = ` +
          `${Math.round(r.replies / r.seconds)} replies/s; latency p50 ${r.p50us.toFixed(0)} µs, p99 ${r.p99us.toFixed(0)} µs, max ${r.maxus.toFixed(0)} µs\n`,
      );
    }
  } finally {
    lab.down();
  }
}

if (require.main === module && process.argv[2] === '--flood') {
  flood(process.argv[3], process.argv[4], Number(process.argv[5])).catch((err: unknown) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  });
}

