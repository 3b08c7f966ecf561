// The socket seams of the responders: AF_PACKET for ARP, raw ICMPv6 for NDP; fakes replace them in unit tests.
import { ArpAnswerer, PacketSocket, type ArpAnswererEvents } from './afpacket';
import { ETHERTYPE_ARP, macToBuffer } from './codec';
import type { InterfaceInfo } from './interfaces';
import { NdpSocket } from './ndp-socket';

/** Link-layer frames in and out of one interface. */
export interface FrameTransport {
  send(frame: Buffer): void;
  /** Sends `frame` with the other replies to the frames received in the same batch (errors go to `onSendError`); absent = send now. */
  queue?(frame: Buffer): void;
  close(): void;
}

export interface FrameTransportOptions {
  /** Queued frames could not be sent. */
  onSendError?(err: Error, unsent: number): void;
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
  arp(iface: InterfaceInfo, onFrame: (frame: Buffer, pktType: number) => void, opts?: FrameTransportOptions): FrameTransport;
  /** When present, ARP requests are answered by the transport (ArpResponder then only keeps its table and reports). */
  arpAnswering?(iface: InterfaceInfo, events: ArpAnswererEvents): AnsweringArpTransport;
  ndp(iface: InterfaceInfo, onMessage: (message: Buffer, source: string) => void): NdpTransport;
}

/** Frames drained per wake-up; bursts beyond it wait one loop turn (measured in test/bench/layer2.bench.ts). */
export const ARP_BATCH = 64;
// The receive buffer stays at the kernel default (≈ 280 ARP frames): a 4 MiB one kept the rate
// under overload but queued requests for ~100 ms, and a late ARP answer is worth less than a retry.

/** Real sockets: the AF_PACKET addon (requests answered on its own thread, kernel ARP filter) and raw-socket. */
export const systemTransports: TransportFactory = {
  arp(iface, onFrame, opts) {
    return new PacketSocket(iface.ifindex, ETHERTYPE_ARP, onFrame, {
      arpOnly: true,
      batch: ARP_BATCH,
      onSendError: opts?.onSendError,
    });
  },
  arpAnswering(iface, events) {
    return new ArpAnswerer(iface.ifindex, macToBuffer(iface.mac), events);
  },
  ndp(iface, onMessage) {
    return new NdpSocket(iface, onMessage);
  },
};
