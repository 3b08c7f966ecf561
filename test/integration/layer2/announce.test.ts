// `metallbts l2 announce` on a real bridged segment in namespaces: only the announcing node answers ARP/NDP, and a move is seen via gratuitous ARP/NA.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { canRunNetns, collectLines, ensureBuilt, haveTool, L2Lab, REPO, sleep, waitForLine } from './netns-lab';

const VIP4 = '192.168.1.240';
const OTHER4 = '192.168.1.241';
const VIP6 = 'fd00:1::f0';
const OTHER6 = 'fd00:1::f1';
const BIN = join(REPO, 'bin', 'metallbts.js');

const enabled = canRunNetns() && haveTool('arping') && haveTool('ping');
// In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
const d = enabled || process.env.CI ? describe : describe.skip;

/** MACs that answered `arping` (lines like "60 bytes from aa:bb:.. (ip): index=0 ..."). */
function arpingMacs(out: string): string[] {
  return [...out.matchAll(/bytes from ([0-9a-f:]{17}) /g)].map((m) => m[1]!);
}

/** Polls `get` (bounded: 3 s) until it returns a value. */
async function eventually<T>(get: () => T | undefined): Promise<T | undefined> {
  for (let i = 0; i < 30; i++) {
    const v = get();
    if (v !== undefined) return v;
    await sleep(100);
  }
  return undefined;
}

function neighMac(out: string): string | undefined {
  return /lladdr ([0-9a-f:]{17})/.exec(out)?.[1];
}

d('l2 announce in network namespaces', () => {
  jest.setTimeout(90_000);
  const lab = new L2Lab(3, 'ann');
  let owner: ChildProcess | undefined;
  let ownerLines: Array<Record<string, unknown>> = [];

  async function startAnnouncer(nodeIdx: number, ips: string[], ifaces = ['eth0']): Promise<{ p: ChildProcess; lines: Array<Record<string, unknown>> }> {
    const n = lab.nodes[nodeIdx]!;
    const args = [BIN, 'l2', 'announce', ...ifaces.flatMap((i) => ['--interface', i]), ...ips.flatMap((ip) => ['--ip', ip])];
    const p = lab.spawn(n.ns, process.execPath, args);
    const lines = collectLines(p);
    await waitForLine(p, (l) => l.event === 'serviceAnnounced' && l.ip === ips[ips.length - 1], 15_000);
    return { p, lines };
  }

  async function stop(p: ChildProcess): Promise<number | null> {
    if (p.exitCode !== null) return p.exitCode;
    let timer: NodeJS.Timeout | undefined;
    const exited = new Promise<number | null>((r) => {
      p.once('exit', (code) => r(code));
      timer = setTimeout(() => r(-1), 5000);
    });
    p.kill('SIGTERM');
    const code = await exited;
    clearTimeout(timer);
    return code;
  }

  beforeAll(async () => {
    ensureBuilt();
    try {
      lab.up([VIP4, OTHER4, VIP6, OTHER6]);
      ({ p: owner, lines: ownerLines } = await startAnnouncer(0, [VIP4, VIP6]));
    } catch (e) {
      lab.down();
      throw e;
    }
  }, 320_000);

  afterAll(() => {
    lab.down();
  });

  it('arping to the VIP is answered only by the announcing node', () => {
    const r = lab.exec(lab.client.ns, 'arping', ['-c', '3', '-w', '5', '-I', 'eth0', VIP4]);
    const macs = arpingMacs(r.stdout);
    expect(macs.length).toBeGreaterThanOrEqual(3);
    expect(new Set(macs)).toEqual(new Set([lab.nodes[0]!.mac]));
  });

  it('logs each answered request as a MetalLB-style JSON line', async () => {
    // spawnSync blocked the loop while arping ran: let the announcer's output arrive.
    const l = await eventually(() => ownerLines.find((x) => x.msg === 'got ARP request for service IP, sending response'));
    expect(l).toMatchObject({ interface: 'eth0', ip: VIP4, senderIP: lab.client.ip4, senderMAC: lab.client.mac, responseMAC: lab.nodes[0]!.mac, level: 'info' });
    expect(typeof l?.ts).toBe('string');
  });

  it('ping reaches the VIP and the client neighbour entry has the owner MAC', () => {
    lab.exec(lab.client.ns, 'ip', ['neigh', 'flush', 'dev', 'eth0']);
    const r = lab.exec(lab.client.ns, 'ping', ['-c', '2', '-W', '2', VIP4]);
    expect(r.code).toBe(0);
    expect(neighMac(lab.exec(lab.client.ns, 'ip', ['neigh', 'show', VIP4]).stdout)).toBe(lab.nodes[0]!.mac);
  });

  it('nothing answers for an IP that is not announced (even though every node holds it on kube-ipvs0)', () => {
    const r = lab.exec(lab.client.ns, 'arping', ['-c', '2', '-w', '3', '-I', 'eth0', OTHER4]);
    expect(arpingMacs(r.stdout)).toEqual([]);
    expect(lab.exec(lab.client.ns, 'ping', ['-c', '1', '-W', '1', OTHER4]).code).not.toBe(0);
  });

  it('IPv6: ping -6 reaches the VIP and ip -6 neigh shows the owner MAC', async () => {
    const r = lab.exec(lab.client.ns, 'ping', ['-6', '-c', '2', '-W', '2', VIP6]);
    expect(r.code).toBe(0);
    expect(neighMac(lab.exec(lab.client.ns, 'ip', ['-6', 'neigh', 'show', VIP6]).stdout)).toBe(lab.nodes[0]!.mac);
    expect(await eventually(() => ownerLines.find((x) => x.msg === 'got NDP request for service IP, sending response'))).toMatchObject({
      interface: 'eth0',
      ip: VIP6,
      responseMAC: lab.nodes[0]!.mac,
      senderMAC: lab.client.mac,
    });
  });

  it('IPv6: nothing answers for an address that is not announced', () => {
    expect(lab.exec(lab.client.ns, 'ping', ['-6', '-c', '1', '-W', '2', OTHER6]).code).not.toBe(0);
    expect(neighMac(lab.exec(lab.client.ns, 'ip', ['-6', 'neigh', 'show', OTHER6]).stdout)).toBeUndefined();
  });

  it('without --interface it answers on every eligible interface (eth0 here; lo and kube-ipvs0 are excluded)', async () => {
    const third = await startAnnouncer(2, ['192.168.1.242'], []);
    try {
      const created = third.lines.filter((l) => l.event === 'createARPResponder').map((l) => l.interface);
      expect(created).toEqual(['eth0']);
      const macs = arpingMacs(lab.exec(lab.client.ns, 'arping', ['-c', '2', '-w', '3', '-I', 'eth0', '192.168.1.242']).stdout);
      expect(new Set(macs)).toEqual(new Set([lab.nodes[2]!.mac]));
    } finally {
      expect(await stop(third.p)).toBe(0);
    }
  });

  it('when the announcement moves, gratuitous ARP and NA update the client neighbour entries without a new request', async () => {
    // Client has fresh entries pointing at node 1.
    expect(lab.exec(lab.client.ns, 'ping', ['-c', '1', '-W', '2', VIP4]).code).toBe(0);
    expect(lab.exec(lab.client.ns, 'ping', ['-6', '-c', '1', '-W', '2', VIP6]).code).toBe(0);
    expect(await stop(owner!)).toBe(0);
    const moved = await startAnnouncer(1, [VIP4, VIP6]);
    // Rounds run for 4.4 s; the neighbour lock time is 1 s. Poll, bounded.
    let mac4: string | undefined;
    let mac6: string | undefined;
    for (let i = 0; i < 30; i++) {
      mac4 = neighMac(lab.exec(lab.client.ns, 'ip', ['neigh', 'show', VIP4]).stdout);
      mac6 = neighMac(lab.exec(lab.client.ns, 'ip', ['-6', 'neigh', 'show', VIP6]).stdout);
      if (mac4 === lab.nodes[1]!.mac && mac6 === lab.nodes[1]!.mac) break;
      await sleep(250);
    }
    expect(mac4).toBe(lab.nodes[1]!.mac);
    expect(mac6).toBe(lab.nodes[1]!.mac);
    // The new owner sent its gratuitous rounds, and answers now; the old one is gone.
    const macs = arpingMacs(lab.exec(lab.client.ns, 'arping', ['-c', '2', '-w', '3', '-I', 'eth0', VIP4]).stdout);
    expect(new Set(macs)).toEqual(new Set([lab.nodes[1]!.mac]));
    expect(await stop(moved.p)).toBe(0);
  });
});
