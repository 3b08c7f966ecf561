// Typed wrapper over the native AF_PACKET addon: ARP needs link-layer frames that Node's sockets cannot carry.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** sll_pkttype values (linux/if_packet.h). PACKET_OUTGOING frames are dropped by the addon. */
export const PACKET_HOST = 0;
export const PACKET_BROADCAST = 1;
export const PACKET_MULTICAST = 2;
export const PACKET_OTHERHOST = 3;
export const PACKET_OUTGOING = 4;

interface NativeAfPacket {
  open(ifindex: number, etherType: number, onFrame: (frame: Buffer, pktType: number) => void): unknown;
  send(handle: unknown, frame: Buffer): number;
  close(handle: unknown): void;
  ref(handle: unknown, on: boolean): void;
}

const ADDON_PATH = join('native', 'afpacket', 'build', 'Release', 'afpacket.node');
let cached: NativeAfPacket | undefined;

/** Finds the repository's (or package's) built addon by walking up from this module (works from src and dist). */
export function addonPath(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const p = join(dir, ADDON_PATH);
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

export function loadAddon(): NativeAfPacket {
  if (cached) return cached;
  const p = addonPath();
  if (!p) throw new Error(`AF_PACKET addon not built (${ADDON_PATH}); run: npm run build:native`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  cached = require(p) as NativeAfPacket;
  return cached;
}

export type FrameHandler = (frame: Buffer, pktType: number) => void;

/** One AF_PACKET SOCK_RAW socket bound to an interface and an ethertype; frames arrive on the event loop. */
export class PacketSocket {
  private handle: unknown;
  private closed = false;

  constructor(
    readonly ifindex: number,
    readonly etherType: number,
    onFrame: FrameHandler,
  ) {
    this.handle = loadAddon().open(ifindex, etherType, onFrame);
  }

  send(frame: Buffer): number {
    if (this.closed) throw new Error('PacketSocket is closed');
    return loadAddon().send(this.handle, frame);
  }

  /** Whether this socket alone keeps the process alive (default yes). */
  ref(on: boolean): void {
    if (!this.closed) loadAddon().ref(this.handle, on);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    loadAddon().close(this.handle);
  }
}
