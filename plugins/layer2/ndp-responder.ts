// Answers IPv6 Neighbor Solicitations for owned service IPs on one interface, as MetalLB's ndpResponder does.
import { decodeNdp, encodeNdp, findLla, ICMP6_NA, ICMP6_NS, Layer2DecodeError, llaOption, OPT_SOURCE_LLA, OPT_TARGET_LLA, solicitedNodeGroup, type NeighborAdvertisement } from './codec';
import type { ResponderDeps } from './arp-responder';
import type { NdpTransport } from './transport';

export type NdpDropReason = 'malformed' | 'not-solicitation' | 'no-source-lla' | 'not-owned' | 'send-failed' | 'closed';

export const ALL_NODES = 'ff02::1';

export class NdpResponder {
  private readonly transport: NdpTransport;
  /** Solicited-node group → number of owned IPs needing it. */
  private readonly groups = new Map<string, number>();
  private closed = false;

  constructor(private readonly deps: ResponderDeps) {
    this.transport = deps.transports.ndp(deps.iface, (msg, source) => {
      this.handleMessage(msg, source);
    });
  }

  get interfaceName(): string {
    return this.deps.iface.name;
  }

  /** Starts receiving solicitations for `ip` (joins its solicited-node group). */
  watch(ip: string): void {
    const g = solicitedNodeGroup(ip);
    const n = this.groups.get(g) ?? 0;
    if (n === 0 && !this.closed) {
      try {
        this.transport.joinGroup(g);
      } catch (err) {
        this.deps.logger.error({ interface: this.deps.iface.name, ip, error: (err as Error).message }, 'failed to join solicited-node group');
      }
    }
    this.groups.set(g, n + 1);
  }

  unwatch(ip: string): void {
    const g = solicitedNodeGroup(ip);
    const n = this.groups.get(g) ?? 0;
    if (n <= 1) {
      this.groups.delete(g);
      if (n === 1 && !this.closed) this.transport.leaveGroup(g);
    } else {
      this.groups.set(g, n - 1);
    }
  }

  joinedGroups(): string[] {
    return [...this.groups.keys()].sort();
  }

  /** Processes one ICMPv6 message from `source`; returns the NA sent, or why none was. */
  handleMessage(message: Buffer, source: string): NeighborAdvertisement | NdpDropReason {
    if (this.closed) return 'closed';
    let msg;
    try {
      msg = decodeNdp(message);
    } catch (e) {
      if (e instanceof Layer2DecodeError) return 'malformed';
      throw e;
    }
    if (msg.type === ICMP6_NA) {
      const mac = findLla(msg, OPT_TARGET_LLA);
      const { iface, owns } = this.deps;
      if (mac && mac !== iface.mac && owns(msg.target, iface.name)) {
        this.deps.onClaim?.({ ip: msg.target, mac, interface: iface.name, kind: 'neighbor-advertisement' });
      }
    }
    if (msg.type !== ICMP6_NS) return 'not-solicitation';
    const senderMac = findLla(msg, OPT_SOURCE_LLA);
    if (!senderMac) return 'no-source-lla';
    const { iface, owns, logger, metrics } = this.deps;
    if (!owns(msg.target, iface.name)) return 'not-owned';
    metrics.requestsReceived.inc({ ip: msg.target });
    const senderIP = source.split('%')[0] ?? source;
    logger[this.deps.requestLogLevel ?? 'info'](
      { interface: iface.name, ip: msg.target, senderIP, senderMAC: senderMac, responseMAC: iface.mac },
      'got NDP request for service IP, sending response',
    );
    const na: NeighborAdvertisement = {
      type: ICMP6_NA,
      router: false,
      solicited: true,
      override: false,
      target: msg.target,
      options: [llaOption(OPT_TARGET_LLA, iface.mac)],
    };
    try {
      this.transport.send(encodeNdp(na), senderIP);
    } catch (err) {
      logger.error({ interface: iface.name, ip: msg.target, error: (err as Error).message }, 'failed to send NDP response');
      return 'send-failed';
    }
    metrics.responsesSent.inc({ ip: msg.target });
    return na;
  }

  /** One gratuitous round for `ip`: unsolicited NA to ff02::1 with O=1, S=0 and our target LLA. */
  gratuitous(ip: string): number {
    if (this.closed) return 0;
    const na: NeighborAdvertisement = {
      type: ICMP6_NA,
      router: false,
      solicited: false,
      override: true,
      target: ip,
      options: [llaOption(OPT_TARGET_LLA, this.deps.iface.mac)],
    };
    try {
      this.transport.send(encodeNdp(na), ALL_NODES);
    } catch (err) {
      this.deps.logger.error({ interface: this.deps.iface.name, ip, error: (err as Error).message }, 'failed to send unsolicited NA');
      return 0;
    }
    this.deps.metrics.gratuitousSent.inc({ ip });
    return 1;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const g of this.groups.keys()) this.transport.leaveGroup(g);
    this.transport.close();
  }
}
