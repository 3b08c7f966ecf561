// A VIP client for namespace tests and benches: HTTP backends on nodes, and a client polling the VIP over HTTP or ARP, one JSON line per probe.
//
//   node client-probe.js serve PORT NAME                 HTTP server answering NAME (until killed; at most 10 min)
//   node client-probe.js http URL INTERVAL_MS TIMEOUT_MS MAX_MS
//   node client-probe.js arp IFACE VIP INTERVAL_MS MAX_MS
// Pollers stop on SIGTERM or after MAX_MS and then print {"done":true,...}.
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { PacketSocket } from '../../../plugins/layer2/afpacket';
import { decodeArpFrame, encodeArpFrame, ETHERTYPE_ARP, Layer2DecodeError } from '../../../plugins/layer2/codec';

export interface HttpProbe {
  kind: 'http';
  /** Send time (ms since epoch). */
  t: number;
  ms: number;
  ok: boolean;
  body?: string;
  error?: string;
}

export interface ArpProbe {
  kind: 'arp';
  t: number;
  ok: boolean;
  macs: string[];
}

const out = (o: object): boolean => process.stdout.write(`${JSON.stringify(o)}\n`);

function serve(port: number, name: string): void {
  const srv = http.createServer((_req, res) => {
    res.setHeader('Connection', 'close');
    res.end(name);
  });
  srv.listen(port, '0.0.0.0', () => out({ listening: port, name }));
  setTimeout(() => process.exit(0), 600_000);
}

function pollHttp(url: string, intervalMs: number, timeoutMs: number, maxMs: number): void {
  let sent = 0;
  let failed = 0;
  let inFlight = 0;
  let stopping = false;
  const probe = (): void => {
    const t = Date.now();
    sent++;
    inFlight++;
    let done = false;
    const finish = (p: Omit<HttpProbe, 'kind' | 't' | 'ms'>): void => {
      if (done) return;
      done = true;
      inFlight--;
      if (!p.ok) failed++;
      out({ kind: 'http', t, ms: Date.now() - t, ...p });
    };
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => finish({ ok: res.statusCode === 200, body }));
      res.on('error', (e) => finish({ ok: false, error: e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => finish({ ok: false, error: e.message }));
  };
  const timer = setInterval(probe, intervalMs);
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    // Let requests in flight finish (each is bounded by timeoutMs).
    const end = Date.now() + timeoutMs + 500;
    const wait = setInterval(() => {
      if (inFlight > 0 && Date.now() < end) return;
      clearInterval(wait);
      out({ done: true, sent, failed, unfinished: inFlight });
      process.exit(0);
    }, 20);
  };
  process.once('SIGTERM', stop);
  setTimeout(stop, maxMs);
  probe();
}

function pollArp(ifname: string, vip: string, intervalMs: number, maxMs: number): void {
  const dir = `/sys/class/net/${ifname}`;
  const ifindex = Number(readFileSync(join(dir, 'ifindex'), 'utf8'));
  const mac = readFileSync(join(dir, 'address'), 'utf8').trim();
  const SLOTS = 64;
  // Generous under CI load: a probe sent into a gap is never answered later, whatever the wait.
  const WAIT_MS = 1000;
  // One sender IP per slot so a reply names its probe (TPA = that IP).
  const pending = new Map<number, { t: number; macs: Set<string> }>();
  let seq = 0;
  let sent = 0;
  let unanswered = 0;
  let stopping = false;
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
    pending.get(slot)?.macs.add(f.senderMac);
  });
  const probe = (): void => {
    const slot = seq++ % SLOTS;
    const t = Date.now();
    const entry = { t, macs: new Set<string>() };
    pending.set(slot, entry);
    sent++;
    sock.send(
      encodeArpFrame({ ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: mac, op: 1, senderMac: mac, senderIp: `192.168.1.${150 + slot}`, targetMac: '00:00:00:00:00:00', targetIp: vip }),
    );
    setTimeout(() => {
      if (pending.get(slot) === entry) pending.delete(slot);
      const ok = entry.macs.size > 0;
      if (!ok) unanswered++;
      out({ kind: 'arp', t, ok, macs: [...entry.macs].sort() });
    }, WAIT_MS);
  };
  const timer = setInterval(probe, intervalMs);
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    clearInterval(timer);
    setTimeout(() => {
      sock.close();
      out({ done: true, sent, unanswered });
      process.exit(0);
    }, WAIT_MS + 50);
  };
  process.once('SIGTERM', stop);
  setTimeout(stop, maxMs);
  probe();
}

if (require.main === module) {
  const [mode, ...a] = process.argv.slice(2);
  if (mode === 'serve') serve(Number(a[0]), a[1]!);
  else if (mode === 'http') pollHttp(a[0]!, Number(a[1]), Number(a[2]), Number(a[3]));
  else if (mode === 'arp') pollArp(a[0]!, a[1]!, Number(a[2]), Number(a[3]));
  else {
    process.stderr.write('usage: client-probe serve|http|arp ...\n');
    process.exit(2);
  }
}
