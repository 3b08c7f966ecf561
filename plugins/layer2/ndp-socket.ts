// A raw ICMPv6 socket set up for NDP on one interface (reference/wire.md): hop limit 255, NS/NA-only filter, bound device.
import type { InterfaceInfo } from './interfaces';
import { parseIp, ipToBuffer } from '../../src/core/net/ip';

const SOL_SOCKET = 1;
const SO_BINDTODEVICE = 25;
const IPPROTO_IPV6 = 41;
const IPV6_UNICAST_HOPS = 16;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;
const IPV6_MULTICAST_LOOP = 19;
const IPV6_JOIN_GROUP = 20;
const IPV6_LEAVE_GROUP = 21;
const IPPROTO_ICMPV6 = 58;
const ICMP6_FILTER = 1;

interface RawSocket {
  on(ev: 'message', cb: (buf: Buffer, source: string) => void): void;
  on(ev: 'error', cb: (err: Error) => void): void;
  setOption(level: number, opt: number, value: Buffer | number, length?: number): void;
  send(buf: Buffer, off: number, len: number, addr: string, cb: (err: Error | null, bytes: number) => void): void;
  close(): void;
}
interface RawSocketModule {
  createSocket(o: { addressFamily: number; protocol: number; bufferSize?: number }): RawSocket;
  AddressFamily: { IPv6: number };
}

function rawSocketModule(): RawSocketModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('raw-socket') as RawSocketModule;
}

/** ICMP6_FILTER bitmap (u32 words, host order; a set bit blocks) passing only the given types. */
export function icmp6FilterPassing(types: number[]): Buffer {
  const words = new Uint32Array(8).fill(0xffffffff);
  for (const t of types) words[t >> 5] &= ~(1 << (t & 31)) >>> 0;
  return Buffer.from(words.buffer);
}

function mreq(group: string, ifindex: number): Buffer {
  const ip = parseIp(group);
  if (!ip || ip.family !== 6) throw new RangeError(`not an IPv6 group: ${group}`);
  const b = Buffer.alloc(20);
  ipToBuffer(ip).copy(b, 0);
  b.writeInt32LE(ifindex, 16);
  return b;
}

export class NdpSocket {
  private readonly sock: RawSocket;
  private closed = false;

  constructor(
    private readonly iface: InterfaceInfo,
    onMessage: (message: Buffer, source: string) => void,
    private readonly onError: (err: Error) => void = () => undefined,
  ) {
    const raw = rawSocketModule();
    this.sock = raw.createSocket({ addressFamily: raw.AddressFamily.IPv6, protocol: IPPROTO_ICMPV6, bufferSize: 2048 });
    const name = Buffer.from(`${iface.name}\0`);
    this.sock.setOption(SOL_SOCKET, SO_BINDTODEVICE, name, name.length);
    this.sock.setOption(IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255);
    this.sock.setOption(IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255);
    this.sock.setOption(IPPROTO_IPV6, IPV6_MULTICAST_IF, iface.ifindex);
    this.sock.setOption(IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0);
    // NS to answer; NA to notice another host claiming an IP we announce.
    const filter = icmp6FilterPassing([135, 136]);
    this.sock.setOption(IPPROTO_ICMPV6, ICMP6_FILTER, filter, filter.length);
    this.sock.on('message', onMessage);
    this.sock.on('error', onError);
  }

  send(message: Buffer, dst: string): void {
    if (this.closed) return;
    const scoped = dst.includes('%') ? dst : `${dst}%${this.iface.name}`;
    this.sock.send(message, 0, message.length, scoped, (err) => {
      if (err) this.onError(err);
    });
  }

  joinGroup(group: string): void {
    const m = mreq(group, this.iface.ifindex);
    this.sock.setOption(IPPROTO_IPV6, IPV6_JOIN_GROUP, m, m.length);
  }

  leaveGroup(group: string): void {
    if (this.closed) return;
    const m = mreq(group, this.iface.ifindex);
    try {
      this.sock.setOption(IPPROTO_IPV6, IPV6_LEAVE_GROUP, m, m.length);
    } catch {
      // the group is gone with the interface
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sock.close();
  }
}
