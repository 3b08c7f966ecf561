// Loads native/tcpmd5 (TCP_MD5SIG / IP_TTL / SO_BINDTODEVICE on our own fd; UDP with received TTL for BFD) when it was built; absent → undefined.
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export interface SockoptHelper {
  /** A new non-blocking TCP socket fd of the family. */
  socket(family: 4 | 6): number;
  setMd5(fd: number, family: 4 | 6, peer: string, key: string): void;
  setTtl(fd: number, family: 4 | 6, ttl: number): void;
  /** SO_BINDTODEVICE: the socket routes (and picks its source) through that interface or VRF only; errors carry `errno`. */
  bindToDevice?(fd: number, device: string): void;
  close(fd: number): void;
  /** A UDP socket sending at TTL/hop limit 255 and reporting each datagram's received TTL (-1 if unknown). */
  udpOpen(family: 4 | 6, bindAddress: string, port: number, device: string | null, onMessage: (msg: Buffer, address: string, port: number, ttl: number) => void): UdpHandle;
  udpSend(handle: UdpHandle, msg: Buffer, address: string, port: number): void;
  udpClose(handle: UdpHandle): void;
}

/** Opaque native socket handle. */
export type UdpHandle = { readonly __udpHandle: unique symbol };

let cached: SockoptHelper | null | undefined;

export function loadSockopt(): SockoptHelper | undefined {
  if (cached !== undefined) return cached ?? undefined;
  cached = null;
  // From plugins/bgp (ts-jest) and dist/plugins/bgp (compiled) alike.
  for (const up of ['../..', '../../..']) {
    const p = join(__dirname, up, 'native', 'tcpmd5', 'build', 'Release', 'tcpmd5.node');
    if (!existsSync(p)) continue;
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      cached = require(p) as SockoptHelper;
      break;
    } catch {
      cached = null;
    }
  }
  return cached ?? undefined;
}
