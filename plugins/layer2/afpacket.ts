// Typed wrapper over the native AF_PACKET addon: ARP needs link-layer frames that Node's sockets cannot carry.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The addon's exports (native/afpacket/src/afpacket.c and arp_answerer_js.c). */
export interface NativeAfPacket {
  open(ifindex: number, etherType: number, onFrame: (frame: Buffer, pktType: number) => void, opts?: PacketSocketOptions): unknown;
  send(handle: unknown, frame: Buffer): number;
  close(handle: unknown): void;
  ref(handle: unknown, on: boolean): void;
  openAnswerer(ifindex: number, mac: Buffer, onDrain: AnswererDrain): unknown;
  setAnswered(handle: unknown, ips: Buffer): void;
  answerIp(handle: unknown, ip: Buffer, on: boolean): void;
  logRequests(handle: unknown, on: boolean): void;
  yieldOnClaim(handle: unknown, on: boolean): void;
  answererSend(handle: unknown, frame: Buffer): number;
  closeAnswerer(handle: unknown): void;
  refAnswerer(handle: unknown, on: boolean): void;
  answerFrame(frame: Buffer, mac: Buffer, ips: Buffer): { reply: Buffer | null; claim: boolean };
}

/** What the answer thread queued since the last drain (native/afpacket/src/arp_answerer.c). */
type AnswererDrain = (records: Buffer, recordCount: number, counts: Buffer, countEntries: number, lost: number, unsent: number, sendError: string | undefined) => void;

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

/** `pktType` is the frame's sll_pkttype (linux/if_packet.h: 0 host, 1 broadcast, 2 multicast, 3 other host); PACKET_OUTGOING (4) frames are dropped by the addon. */
export type FrameHandler = (frame: Buffer, pktType: number) => void;

/** Native open options (see native/afpacket/src/afpacket.c). */
export interface PacketSocketOptions {
  /** Kernel filter (SO_ATTACH_FILTER): only Ethernet/IPv4 ARP requests and replies reach userspace. */
  arpOnly?: boolean;
  /** Kernel filter: only IPv6 NS/NA with hop limit 255 and no extension header (RFC 4861 §7.1.1). */
  ndpOnly?: boolean;
}

/** One AF_PACKET SOCK_RAW socket bound to an interface and an ethertype; frames arrive on the event loop, one call each. */
export class PacketSocket {
  private readonly handle: unknown;
  private closed = false;

  constructor(
    readonly ifindex: number,
    readonly etherType: number,
    onFrame: FrameHandler,
    opts: PacketSocketOptions = {},
  ) {
    this.handle = loadAddon().open(ifindex, etherType, onFrame, opts);
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

// The answer thread's record layout, named as in native/afpacket/src/arp_answerer.h and arp_decide.h.
/** Answerer record: u8 kind, u8 pkttype, then the frame's first FRAME_HEAD bytes. */
const RECORD_LEN = 44;
/** Ethernet + ARP for Ethernet/IPv4. */
const FRAME_HEAD = 42;
const KIND_ANSWERED = 1;
const KIND_CLAIM = 2;
/** Count entry: u32be IPv4, u32le requests answered, u32le replies sent. */
const COUNT_LEN = 12;

export interface ArpAnswererEvents {
  /** A request answered (only while `logRequests(true)`): its Ethernet + ARP bytes. */
  answered(request: Buffer, pktType: number): void;
  /** A frame whose sender IP is answered here but whose sender MAC is another one. */
  claimed(frame: Buffer, pktType: number): void;
  /** Requests answered and replies sent for `ip` since the last report. */
  counted(ip: string, answered: number, sent: number): void;
  /** Replies the kernel refused. */
  sendFailed(err: Error, unsent: number): void;
  /** Answered/claim records dropped because the event loop did not take them in time (the replies still went). */
  lost(records: number): void;
}

/** IPv4 text (canonical dotted quad) → 4 bytes, for the answer table. */
function ipv4Bytes(ips: readonly string[]): Buffer {
  const out = Buffer.alloc(ips.length * 4);
  ips.forEach((ip, i) => {
    const parts = ip.split('.');
    for (let j = 0; j < 4; j++) out[i * 4 + j] = Number(parts[j]);
  });
  return out;
}

/**
 * ARP requests answered by a native thread for the IPv4 addresses in its table (the reply never
 * waits for the event loop); JS learns what happened in batches, through `events`.
 */
export class ArpAnswerer {
  private readonly handle: unknown;
  private closed = false;

  constructor(
    readonly ifindex: number,
    mac: Buffer,
    private readonly events: ArpAnswererEvents,
  ) {
    this.handle = loadAddon().openAnswerer(ifindex, mac, (records, recordCount, counts, countEntries, lost, unsent, sendError) =>
      this.drain(records, recordCount, counts, countEntries, lost, unsent, sendError),
    );
  }

  /** Adds or drops one address (in place: no table rebuild). */
  answerIp(ip: string, on: boolean): void {
    if (!this.closed) loadAddon().answerIp(this.handle, ipv4Bytes([ip]), on);
  }

  logRequests(on: boolean): void {
    if (!this.closed) loadAddon().logRequests(this.handle, on);
  }

  /** Graceful handover: an IP another MAC claims leaves the table at once, on the thread. */
  yieldOnClaim(on: boolean): void {
    if (!this.closed) loadAddon().yieldOnClaim(this.handle, on);
  }

  send(frame: Buffer): number {
    if (this.closed) throw new Error('ArpAnswerer is closed');
    return loadAddon().answererSend(this.handle, frame);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    loadAddon().closeAnswerer(this.handle);
  }

  private drain(records: Buffer, recordCount: number, counts: Buffer, countEntries: number, lost: number, unsent: number, sendError: string | undefined): void {
    for (let i = 0; i < countEntries; i++) {
      const o = i * COUNT_LEN;
      const ip = `${counts[o]}.${counts[o + 1]}.${counts[o + 2]}.${counts[o + 3]}`;
      this.events.counted(ip, counts.readUInt32LE(o + 4), counts.readUInt32LE(o + 8));
    }
    for (let i = 0; i < recordCount; i++) {
      const o = i * RECORD_LEN;
      const frame = records.subarray(o + 2, o + 2 + FRAME_HEAD);
      if (records[o] === KIND_ANSWERED) this.events.answered(frame, records.readUInt8(o + 1));
      else if (records[o] === KIND_CLAIM) this.events.claimed(frame, records.readUInt8(o + 1));
    }
    if (unsent > 0) this.events.sendFailed(new Error(`sendmmsg(AF_PACKET): ${sendError ?? 'frames refused'}`), unsent);
    if (lost > 0) this.events.lost(lost);
  }
}

/** The answer thread's decision for one frame (the same C function), for tests against ArpResponder. */
export function nativeArpDecision(frame: Buffer, mac: Buffer, ips: readonly string[]): { reply: Buffer | null; claim: boolean } {
  return loadAddon().answerFrame(frame, mac, ipv4Bytes(ips));
}
