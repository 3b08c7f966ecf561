// AF_PACKET socket scenarios run inside the test namespace (`node afpacket-socket-scenarios.js NAME`): delivery, errors, kernel filters, unref.
import { decodeIcmpv6Frame, decodeNdp, encodeIcmpv6Frame, encodeNdp, llaOption } from '../../../plugins/layer2/codec';
import type { FrameHandler } from '../../../plugins/layer2/afpacket';
import { NdpSocket } from '../../../plugins/layer2/ndp-socket';
import { addon, ifindex, macText, markedArp, markedIpv4, out, runScenario, sleep, type ScenarioResults } from './afpacket-scenario-kit';

const ETH_P_ARP = 0x0806;
const ETH_P_IPV6 = 0x86dd;
const ETH_P_ALL = 0x0003;

export const socketScenarios = {
  /** Frames of its ethertype from the peer arrive with their pkttype; our own outgoing frames do not. */
  async delivery(): Promise<{ got: Array<[number, number, string]>; own: number }> {
    const a = addon();
    const got: Array<[number, number, string]> = [];
    let own = 0;
    const rx = a.open(ifindex('va'), ETH_P_ARP, (f, t) => got.push([f.length, t, f.subarray(0, 6).toString('hex')]));
    const tx = a.open(ifindex('vb'), ETH_P_ARP, () => own++);
    const arp = Buffer.alloc(60);
    arp.fill(0xff, 0, 6);
    arp.writeUInt16BE(ETH_P_ARP, 12);
    const ipv4 = Buffer.alloc(60);
    ipv4.fill(0xff, 0, 6);
    ipv4.writeUInt16BE(0x0800, 12);
    for (let i = 0; i < 5; i++) {
      a.send(tx, arp);
      a.send(tx, ipv4);
    }
    await sleep(300);
    a.close(rx);
    a.close(tx);
    return { got, own };
  },

  /** Errors carry errno; a closed or foreign handle is refused. */
  errors(): Record<string, unknown> {
    const a = addon();
    const va = ifindex('va');
    const r: Record<string, unknown> = {};
    try {
      a.open(999_999, ETH_P_ARP, () => undefined);
    } catch (e) {
      r.bad = [(e as Error).message, (e as { errno?: number }).errno];
    }
    try {
      a.open(va, ETH_P_ARP, 'x' as unknown as FrameHandler);
    } catch (e) {
      r.type = (e as Error).constructor.name;
    }
    const h = a.open(va, ETH_P_ARP, () => undefined);
    a.close(h);
    a.close(h);
    try {
      a.send(h, Buffer.alloc(60));
    } catch (e) {
      r.closed = (e as Error).message;
    }
    try {
      a.send({}, Buffer.alloc(60));
    } catch (e) {
      r.notHandle = (e as Error).constructor.name;
    }
    return r;
  },

  /** Markers seen by an unfiltered ETH_P_ALL socket and by one with the ARP filter. */
  async arpOnly(): Promise<{ all: number[]; only: number[] }> {
    const a = addon();
    const va = ifindex('va');
    const all: number[] = [];
    const only: number[] = [];
    const rxAll = a.open(va, ETH_P_ALL, (f) => all.push(f.readUInt16BE(58)));
    const rxArp = a.open(va, ETH_P_ALL, (f) => only.push(f.readUInt16BE(58)), { arpOnly: true });
    const tx = a.open(ifindex('vb'), ETH_P_ARP, () => undefined);
    for (const f of [markedArp(1, 1), markedArp(2, 2), markedIpv4(3), markedArp(1, 4, 6), markedArp(3, 5)]) a.send(tx, f);
    await sleep(300);
    a.close(rxAll);
    a.close(rxArp);
    a.close(tx);
    return { all, only };
  },

  /** ICMPv6 types/hop limits through the NDP filter, what NdpSocket hands on, and arpOnly+ndpOnly refused. */
  async ndpOnly(): Promise<{ filtered: string[]; sock: Array<[string, string]>; bad: string | undefined }> {
    const a = addon();
    const va = ifindex('va');
    const vbMac = macText('vb');
    const ns = (target: string): Buffer => encodeNdp({ type: 135, target, options: [llaOption(1, vbMac)] });
    const frame = (hopLimit: number, message: Buffer, src = 'fe80::1'): Buffer =>
      encodeIcmpv6Frame({ ethDst: '33:33:ff:00:00:01', ethSrc: vbMac, src, dst: 'ff02::1:ff00:1', hopLimit, message });
    const echo = Buffer.from([128, 0, 0, 0, 0, 1, 0, 1]);
    const filtered: string[] = [];
    const sock: Array<[string, string]> = [];
    const rx = a.open(va, ETH_P_IPV6, (f) => filtered.push(`${decodeIcmpv6Frame(f).message[0]}/${f[21]}`), { ndpOnly: true });
    const nd = new NdpSocket({ name: 'va', ifindex: va, mac: macText('va'), flags: 0, enslaved: false }, (m, src) => sock.push([decodeNdp(m).target, src]));
    const tx = a.open(ifindex('vb'), ETH_P_IPV6, () => undefined);
    const na = encodeNdp({ type: 136, router: false, solicited: false, override: true, target: 'fd00::2', options: [llaOption(2, vbMac)] });
    for (const f of [frame(255, ns('fd00::1')), frame(64, ns('fd00::3')), frame(255, na), frame(255, echo), frame(1, na)]) a.send(tx, f);
    let bad: string | undefined;
    try {
      a.open(va, ETH_P_IPV6, () => undefined, { ndpOnly: true, arpOnly: true });
    } catch (e) {
      bad = (e as Error).constructor.name;
    }
    await sleep(300);
    a.close(rx);
    a.close(tx);
    nd.close();
    return { filtered, sock, bad };
  },

  /** An unref()ed socket lets the process exit (the exit handler writes the result). */
  unref(): undefined {
    const a = addon();
    const h = a.open(ifindex('va'), ETH_P_ARP, () => undefined);
    a.ref(h, false);
    process.on('exit', () => out({ exited: true }));
    return undefined;
  },
};

export type SocketScenarioResults = ScenarioResults<typeof socketScenarios>;

if (require.main === module) runScenario(socketScenarios);
