// Checks a peer's OPEN against our configuration and derives the session parameters (RFC 4271 §6.2).
import { Afi, CapabilityCode, ErrorCode, OpenSubcode, Safi, hasCapability, multiprotocolAfis, openAsn, type Family, type NotificationMessage, type OpenMessage } from './codec';
import { negotiateTimers } from './session-options';

export interface Negotiated {
  hold: number;
  keepalive: number;
  asn4: boolean;
  families: Family[];
  peerRouterId: string;
  routeRefresh: boolean;
  gracefulRestart: boolean;
}

export interface OpenExpectations {
  peerAsn: number;
  ebgp: boolean;
  routerId: string;
  holdTime: number;
  keepaliveTime?: number;
  families: Family[];
}

export const afiOf = (f: Family) => (f === 4 ? Afi.Ipv4 : Afi.Ipv6);

/** The negotiated parameters, or the NOTIFICATION to send (with a reason for the log). */
export function negotiateOpen(open: OpenMessage, want: OpenExpectations): { ok: true; negotiated: Negotiated } | { ok: false; reason: string; notification: NotificationMessage } {
  const reject = (subcode: number, reason: string, data = Buffer.alloc(0)) => ({ ok: false as const, reason, notification: { code: ErrorCode.Open, subcode, data } });
  const asn = openAsn(open);
  if (asn !== want.peerAsn) {
    const d = Buffer.alloc(2);
    d.writeUInt16BE(open.myAs);
    return reject(OpenSubcode.BadPeerAs, `peer ASN ${asn}, expected ${want.peerAsn}`, d);
  }
  if (open.holdTime === 1 || open.holdTime === 2) return reject(OpenSubcode.UnacceptableHoldTime, `peer hold time ${open.holdTime}`);
  if (open.bgpId === '0.0.0.0' || (!want.ebgp && open.bgpId === want.routerId)) return reject(OpenSubcode.BadBgpIdentifier, `bad peer router ID ${open.bgpId}`);
  const peerAfis = multiprotocolAfis(open);
  // No MP capability at all means plain RFC 4271: IPv4 unicast only.
  const families = peerAfis.length === 0 ? want.families.filter((f) => f === 4) : want.families.filter((f) => peerAfis.some((a) => a.afi === afiOf(f) && a.safi === Safi.Unicast));
  const t = negotiateTimers(want.holdTime, open.holdTime, want.keepaliveTime);
  return {
    ok: true,
    negotiated: {
      hold: t.hold,
      keepalive: t.keepalive,
      asn4: hasCapability(open, CapabilityCode.FourOctetAs),
      families,
      peerRouterId: open.bgpId,
      routeRefresh: hasCapability(open, CapabilityCode.RouteRefresh),
      gracefulRestart: hasCapability(open, CapabilityCode.GracefulRestart),
    },
  };
}
