// Turns Adj-RIB-Out changes into packed UPDATE messages for one established connection.
import { isIPv4 } from 'node:net';
import { UpdateEncoder, type Family } from './codec';
import type { AdjRibOut, RouteAttributes } from './adj-rib-out';
import { buildPathAttributes } from './path';
import { siblingAddress } from './local-addresses';
import type { InterfaceTable } from './router-id';

export interface SenderContext {
  myAsn: number;
  ebgp: boolean;
  asn4: boolean;
  families: Family[];
  localAddress: string;
  routerId: string;
  nextHopV4?: string;
  nextHopV6?: string;
  /** Where the other family's next hop is looked up (the session's VRF); default: every interface of the node. */
  interfaces?: () => InterfaceTable;
}

export class UpdateSender {
  private readonly encoder: UpdateEncoder;
  /** The next hops this connection announces (undefined: the session's own address, or IPv4-mapped). */
  nextHopV4?: string;
  nextHopV6?: string;

  /** `send` writes one UPDATE message to the peer. */
  constructor(
    private readonly rib: AdjRibOut,
    private readonly ctx: SenderContext,
    private readonly send: (update: Buffer) => void,
  ) {
    this.encoder = new UpdateEncoder({ asn4: ctx.asn4 });
    this.nextHopV4 = ctx.nextHopV4;
    this.nextHopV6 = ctx.nextHopV6;
    this.refreshNextHops();
  }

  /**
   * Looks up the other family's next hop (our address of that family on the session's interface) while it
   * is missing: an interface not yet running is absent from the OS table. True when one appeared, so the
   * table must be sent again with it (until then the IPv4-mapped address stood in).
   */
  refreshNextHops(): boolean {
    const v4Session = isIPv4(this.ctx.localAddress);
    const other = v4Session ? 6 : 4;
    if (!this.ctx.families.includes(other) || (v4Session ? this.nextHopV6 : this.nextHopV4) !== undefined) return false;
    const found = siblingAddress(this.ctx.localAddress, other, this.ctx.interfaces?.());
    if (found === undefined) return false;
    if (v4Session) this.nextHopV6 = found;
    else this.nextHopV4 = found;
    return true;
  }

  /** Sends what changed since the last call (negotiated families only). */
  flush(): void {
    const changes = this.rib.takeChanges(new Set(this.ctx.families));
    for (const m of this.encoder.withdraw(changes.withdraw)) this.send(m);
    for (const g of changes.announce) this.sendGroup(g.family, g.prefixes, g.attributes);
  }

  /** Sends the whole table for `families` (initial advertisement, route refresh). */
  sendTable(families: ReadonlySet<Family>): void {
    for (const g of this.rib.snapshot(families)) this.sendGroup(g.family, g.prefixes, g.attributes);
  }

  private sendGroup(family: Family, prefixes: string[], route: RouteAttributes): void {
    const { attrs, nextHopsV6 } = buildPathAttributes({
      route,
      myAsn: this.ctx.myAsn,
      ebgp: this.ctx.ebgp,
      asn4: this.ctx.asn4,
      localAddress: this.ctx.localAddress,
      nextHopV4: this.nextHopV4,
      nextHopV6: this.nextHopV6,
      routerId: this.ctx.routerId,
    });
    for (const m of this.encoder.announce(family, prefixes, attrs, nextHopsV6)) this.send(m);
  }
}
