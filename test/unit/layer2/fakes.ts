// In-memory transports and interface sources for responder unit tests (no sockets).
import type { FrameTransport, NdpTransport, TransportFactory } from '../../../plugins/layer2/transport';
import type { InterfaceInfo, InterfaceSource } from '../../../plugins/layer2/interfaces';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { L2Advertisement, NodeView, ServiceView } from '../../../src/core/plugin-api';
import { service } from '../../support/fixtures';

/** Builders shared by the announcer tests. */
export const l2Node = (name: string, labels: Record<string, string> = {}): NodeView => ({ name, labels, networkUnavailable: false, addresses: [] });
export const l2Advertisement = (over: Partial<L2Advertisement> = {}): L2Advertisement => ({
  name: 'l2',
  pools: ['default'],
  nodeSelectors: [],
  interfaces: [],
  serviceSelectors: [],
  source: { file: 't', path: 'x' },
  ...over,
});
export const l2Service = (name: string, ips: string[]): ServiceView => service(name, { ingressIPs: ips });

export class FakeFrames implements FrameTransport {
  sent: Buffer[] = [];
  closed = false;
  fail = false;
  constructor(readonly deliver: (frame: Buffer, pktType: number) => void) {}
  send(frame: Buffer): void {
    if (this.fail) throw new Error('ENETDOWN');
    this.sent.push(frame);
  }
  close(): void {
    this.closed = true;
  }
}

export class FakeNdp implements NdpTransport {
  sent: Array<{ message: Buffer; dst: string }> = [];
  joined = new Set<string>();
  joins: string[] = [];
  leaves: string[] = [];
  closed = false;
  constructor(readonly deliver: (message: Buffer, source: string) => void) {}
  send(message: Buffer, dst: string): void {
    this.sent.push({ message, dst });
  }
  joinGroup(g: string): void {
    this.joined.add(g);
    this.joins.push(g);
  }
  leaveGroup(g: string): void {
    this.joined.delete(g);
    this.leaves.push(g);
  }
  close(): void {
    this.closed = true;
  }
}

export class FakeTransports implements TransportFactory {
  arps = new Map<string, FakeFrames>();
  ndps = new Map<string, FakeNdp>();
  arp(iface: InterfaceInfo, onFrame: (frame: Buffer, pktType: number) => void): FakeFrames {
    const t = new FakeFrames(onFrame);
    this.arps.set(iface.name, t);
    return t;
  }
  ndp(iface: InterfaceInfo, onMessage: (message: Buffer, source: string) => void): FakeNdp {
    const t = new FakeNdp(onMessage);
    this.ndps.set(iface.name, t);
    return t;
  }
}

export class FakeInterfaces implements InterfaceSource {
  constructor(public items: InterfaceInfo[]) {}
  list(): InterfaceInfo[] {
    return this.items;
  }
}

export const UP_BROADCAST = 0x1003; // IFF_UP | IFF_BROADCAST | IFF_MULTICAST

export function iface(name: string, ifindex: number, mac: string, extra: Partial<InterfaceInfo> = {}): InterfaceInfo {
  return { name, ifindex, mac, flags: UP_BROADCAST, enslaved: false, ...extra };
}

/** A pino logger writing parsed JSON lines into `lines`. */
export function captureLogger(): { logger: pino.Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString().split('\n')) if (l.trim()) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return { logger: pino({ level: 'debug', messageKey: 'msg', base: undefined }, stream), lines };
}
