// The AF_PACKET addon against a veth pair in a private namespace: bind, receive, send, outgoing drop, errors, close; ARP and NDP filters; the ARP answer thread.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { socketScenarios, SocketScenarioResults } from './afpacket-socket-scenarios';
import type { answererScenarios, AnswererScenarioResults } from './arp-answerer-scenarios';
import { canRunNetns, ensureBuilt, must, REPO, run } from './netns-lab';

const enabled = canRunNetns();
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

/** Runs one scenario of a compiled scenario file inside the namespace; returns its JSON output. */
function inNs(ns: string, file: string, scenario: string): unknown {
  const script = join(REPO, 'dist', 'test', 'integration', 'layer2', `${file}.js`);
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, script, scenario], { encoding: 'utf8', timeout: 20_000 });
  if (r.status !== 0) throw new Error(`scenario ${scenario} failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const socket = <K extends keyof typeof socketScenarios>(ns: string, name: K): SocketScenarioResults[K] =>
  inNs(ns, 'afpacket-socket-scenarios', name) as SocketScenarioResults[K];
const answerer = <K extends keyof typeof answererScenarios>(ns: string, name: K): AnswererScenarioResults[K] =>
  inNs(ns, 'arp-answerer-scenarios', name) as AnswererScenarioResults[K];

d('native AF_PACKET addon', () => {
  const ns = `mlbts-l2-${process.pid}-afp`;
  beforeAll(() => {
    ensureBuilt();
    run('ip', ['netns', 'del', ns]);
    must('ip', ['netns', 'add', ns]);
    must('ip', ['-n', ns, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
    must('ip', ['-n', ns, 'link', 'set', 'va', 'up']);
    must('ip', ['-n', ns, 'link', 'set', 'vb', 'up']);
    // No IPv6 chatter (RS, MLD) on the pair: the ETH_P_ALL sockets below see only our frames.
    run('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1', 'net.ipv6.conf.va.disable_ipv6=1', 'net.ipv6.conf.vb.disable_ipv6=1']);
  }, 320_000);
  afterAll(() => {
    run('ip', ['netns', 'del', ns]);
  });

  it('delivers frames of its ethertype from the peer with pkttype, and not its own outgoing frames', () => {
    const res = socket(ns, 'delivery');
    expect(res.got).toHaveLength(5);
    expect(res.got[0]).toEqual([60, 1, 'ffffffffffff']); // PACKET_BROADCAST
    expect(res.own).toBe(0); // PACKET_OUTGOING dropped
  });

  it('reports errors with errno and refuses use after close', () => {
    const res = socket(ns, 'errors');
    expect(res.bad).toEqual([expect.stringMatching(/^bind\(AF_PACKET\): No such device/), 19]);
    expect(res.type).toBe('TypeError');
    expect(res.closed).toBe('socket is closed');
    expect(res.notHandle).toBe('TypeError');
  });

  it('arpOnly: the kernel filter passes only Ethernet/IPv4 ARP requests and replies (an unfiltered socket sees the rest)', () => {
    const res = socket(ns, 'arpOnly');
    expect(res.all).toEqual([1, 2, 3, 4, 5]); // request, reply, IPv4, ARP over htype 6, ARP op 3
    expect(res.only).toEqual([1, 2]);
  });

  it('answerer: replies on its own thread only for the table, reports counts, request records and claims, and stops on close', () => {
    const res = answerer(ns, 'answerer');
    expect(res.before).toBe(0); // nothing answered before the table has the IP
    const answered = res.replies.filter((r) => r.src === res.va && r.tpa === '10.0.0.2');
    expect(answered).toHaveLength(5);
    expect(answered[0]).toEqual({ dst: res.vb, src: res.va, sha: res.va, spa: '192.168.9.1', tpa: '10.0.0.2' });
    expect(res.replies.some((r) => r.tpa === '10.0.0.3' || r.tpa === '10.0.0.4')).toBe(false); // not in the table / table emptied
    expect(res.mid).toBe(6); // 5 requests + the claiming request (sender IP = VIP from another MAC: answered and reported)
    expect(res.replies.slice(res.mid)).toEqual([{ dst: 'ffffffffffff', src: res.va, sha: res.va, spa: '192.168.9.1', tpa: '192.168.9.1' }]); // table emptied: only our gratuitous reply
    expect(res.sent).toBe(60);
    // The claiming frame asks for the VIP too: answered, counted and reported.
    const counts = res.drains.flatMap((d) => d.c);
    expect(counts.filter(([ip]) => ip === '192.168.9.1').reduce((n, [, rx, tx]) => [n[0]! + rx, n[1]! + tx], [0, 0])).toEqual([6, 6]);
    const records = res.drains.flatMap((d) => d.r);
    expect(records.filter(([kind]) => kind === 1)).toHaveLength(6); // answered, with request logging on
    expect(records.filter(([kind]) => kind === 2)).toEqual([[2, '192.168.9.1']]); // the claim
    expect(res.drains.every((d) => d.lost === 0 && d.unsent === 0)).toBe(true);
    expect(res.closed).toBe('ARP answerer is closed');
    expect(res.bad).toBe('TypeError');
  });

  it('answerer with answerIp and yieldOnClaim (handover): a claimed IP is not answered from the claiming frame on; other IPs still are', () => {
    const res = answerer(ns, 'yieldOnClaim');
    expect(res.claims).toEqual(['192.168.9.1']);
    expect(res.replies).toEqual(['192.168.9.1>10.0.0.1', '192.168.9.2>10.0.0.3']);
  });

  it('answerer: idle while its link is down (no error loop), answering again once it is up', () => {
    const res = answerer(ns, 'linkDown');
    expect(res.before).toBe(1);
    expect(res.after).toBe(2);
    expect(res.down).toBeLessThan(10); // clock ticks in 1 s: a thread spinning on POLLERR would use ~100
  });

  it('answerer: lets the process exit when unref()ed, and exits after close while referenced', () => {
    const unref = inNs(ns, 'arp-answerer-scenarios', 'answererUnref');
    expect(unref).toEqual({ exited: true });
    const closed = inNs(ns, 'arp-answerer-scenarios', 'answererClose');
    expect(closed).toEqual({ exited: true });
  });

  it('ndpOnly: the kernel filter passes only NS/NA with hop limit 255; NdpSocket hands them on with their source', () => {
    const res = socket(ns, 'ndpOnly');
    expect(res.filtered).toEqual(['135/255', '136/255']);
    expect(res.sock).toEqual([
      ['fd00::1', 'fe80::1'],
      ['fd00::2', 'fe80::1'],
    ]);
    expect(res.bad).toBe('TypeError');
  });

  it('answerer: a worker thread that ends without closing it takes the answer thread with it (N-API finalizes the handle at teardown)', () => {
    const res = answerer(ns, 'workerTeardown');
    expect(res).toEqual({ during: 1, after: 0 });
  });

  it('lets the process exit when unref()ed', () => {
    const res = inNs(ns, 'afpacket-socket-scenarios', 'unref');
    expect(res).toEqual({ exited: true });
  });
});
