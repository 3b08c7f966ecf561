// The OPEN we send, and a peer's OPEN checked against our configuration into the session parameters (RFC 4271 §6.2).
import {
  Afi,
  CapabilityCode,
  ErrorCode,
  OpenSubcode,
  Safi,
  encodeOpenMessage,
  hasCapability,
  makeOpen,
  multiprotocolAfis,
  openAsn,
  type Family,
  type NotificationMessage,
  type OpenMessage,
} from './codec';
import { negotiateTimers, type ResolvedOptions } from './session-options';

/** Per-family flags of the graceful restart capability: Forwarding State (F) bit (RFC 4724 §3). */
const FORWARDING_STATE_PRESERVED = 0x80;

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

/** Our OPEN: `restarting` is the graceful restart R bit (set until one initial table was sent, RFC 4724 §4.1). */
export function encodeLocalOpen(opts: ResolvedOptions, routerId: string, restarting: boolean): Buffer {
  const gr = opts.raw.gracefulRestart;
  return encodeOpenMessage(
    makeOpen({
      asn: opts.myAsn,
      holdTime: opts.holdTime,
      bgpId: routerId,
      afis: opts.families.map((f) => ({ afi: afiOf(f), safi: Safi.Unicast })),
      gracefulRestart: gr
        ? {
            restartTime: gr.restartTime,
            restarting,
            // F bit: forwarding to our prefixes is the node's (kube-proxy/CNI), untouched by a speaker restart.
            afis: opts.families.map((f) => ({ afi: afiOf(f), safi: Safi.Unicast, flags: gr.forwardingPreserved === false ? 0 : FORWARDING_STATE_PRESERVED })),
          }
        : undefined,
    }),
  );
}

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
