// The socket seams of the responders: AF_PACKET for ARP, raw ICMPv6 for NDP; fakes replace them in unit tests.
import { ArpAnswerer, type ArpAnswererEvents } from './afpacket';
import { macToBuffer } from './codec';
import type { InterfaceInfo } from './interfaces';
import { NdpSocket } from './ndp-socket';

/** Link-layer frames in and out of one interface (a send error is thrown). */
export interface FrameTransport {
  send(frame: Buffer): void;
  close(): void;
}

/** ARP answered by the transport itself, off the JS thread: JS keeps the table and hears what happened. */
export interface AnsweringArpTransport {
  /** Starts or stops answering for one IPv4 address, before the call returns. */
  answerIp(ip: string, on: boolean): void;
  /** Whether each answered request is reported (for per-request log lines). */
  logRequests(on: boolean): void;
  /** Graceful handover: an IP another MAC claims is no longer answered, from that frame on. */
  yieldOnClaim(on: boolean): void;
  /** Sends a frame (gratuitous ARP). */
  send(frame: Buffer): void;
  close(): void;
}

export type { ArpAnswererEvents };

/** ICMPv6 messages in and out of one interface (checksums by the kernel, hop limit 255). */
export interface NdpTransport {
  send(message: Buffer, dst: string): void;
  joinGroup(group: string): void;
  leaveGroup(group: string): void;
  close(): void;
}

export interface TransportFactory {
  /** ARP requests answered by the transport (ArpResponder then only keeps its table and reports): the production path. */
  arpAnswering?(iface: InterfaceInfo, events: ArpAnswererEvents): AnsweringArpTransport;
  /** Without `arpAnswering`: every frame through `ArpResponder.handleFrame`, the JS reference decision (test transports). */
  arp?(iface: InterfaceInfo, onFrame: (frame: Buffer, pktType: number) => void): FrameTransport;
  ndp(iface: InterfaceInfo, onMessage: (message: Buffer, source: string) => void): NdpTransport;
}

/** Real sockets: the AF_PACKET addon (requests answered on its own thread, kernel ARP filter) and raw-socket. */
export const systemTransports: TransportFactory = {
  arpAnswering(iface, events) {
    return new ArpAnswerer(iface.ifindex, macToBuffer(iface.mac), events);
  },
  ndp(iface, onMessage) {
    return new NdpSocket(iface, onMessage);
  },
};
