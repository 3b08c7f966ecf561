// NDP on one interface (reference/wire.md): NS/NA received on AF_PACKET, where the IPv6 hop limit is
// visible (RFC 4861 §7.1.1 wants 255; a raw ICMPv6 socket without recvmsg cannot see it), sent on a
// raw ICMPv6 socket (kernel checksum, hop limit 255, bound device) that also joins the solicited-node groups.
import { PacketSocket } from './afpacket';
import { decodeIcmpv6Frame, ETHERTYPE_IPV6, Layer2DecodeError } from './codec';
import type { InterfaceInfo } from './interfaces';
import { parseIp, ipToBuffer } from '../../src/core/plugin-api';

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
  for (const t of types) words[t >> 5] = (words[t >> 5] ?? 0) & (~(1 << (t & 31)) >>> 0);
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
  private readonly frames: PacketSocket;
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
    // Receives nothing: NS (to answer) and NA (another host claiming our IP) come from `frames`.
    const filter = icmp6FilterPassing([]);
    this.sock.setOption(IPPROTO_ICMPV6, ICMP6_FILTER, filter, filter.length);
    this.sock.on('error', onError);
    try {
      this.frames = new PacketSocket(iface.ifindex, ETHERTYPE_IPV6, (frame) => NdpSocket.deliver(frame, onMessage), { ndpOnly: true });
    } catch (err) {
      this.sock.close();
      throw err;
    }
  }

  /** Hands a frame's ICMPv6 message to `onMessage` if it is intact and from the link (hop limit 255; the kernel filter checks it too). */
  static deliver(frame: Buffer, onMessage: (message: Buffer, source: string) => void): boolean {
    let f;
    try {
      f = decodeIcmpv6Frame(frame);
    } catch (e) {
      if (e instanceof Layer2DecodeError) return false;
      throw e;
    }
    if (f.hopLimit !== 255) return false;
    onMessage(f.message, f.src);
    return true;
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
    this.frames.close();
    this.sock.close();
  }
}
