// The socket seams of the responders: AF_PACKET for ARP, raw ICMPv6 for NDP; fakes replace them in unit tests.
import { PacketSocket } from './afpacket';
import { ETHERTYPE_ARP } from './codec';
import type { InterfaceInfo } from './interfaces';
import { NdpSocket } from './ndp-socket';

/** Link-layer frames in and out of one interface. */
export interface FrameTransport {
  send(frame: Buffer): void;
  close(): void;
}

/** ICMPv6 messages in and out of one interface (checksums by the kernel, hop limit 255). */
export interface NdpTransport {
  send(message: Buffer, dst: string): void;
  joinGroup(group: string): void;
  leaveGroup(group: string): void;
  close(): void;
}

export interface TransportFactory {
  arp(iface: InterfaceInfo, onFrame: (frame: Buffer, pktType: number) => void): FrameTransport;
  ndp(iface: InterfaceInfo, onMessage: (message: Buffer, source: string) => void): NdpTransport;
}

/** Real sockets: the AF_PACKET addon and raw-socket. */
export const systemTransports: TransportFactory = {
  arp(iface, onFrame) {
    return new PacketSocket(iface.ifindex, ETHERTYPE_ARP, onFrame);
  },
  ndp(iface, onMessage) {
    return new NdpSocket(iface, onMessage);
  },
};
