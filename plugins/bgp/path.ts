// The path attributes a speaker originates: ORIGIN IGP, AS_PATH by session type, NEXT_HOP = our address.
import { isIPv4, isIPv6 } from 'node:net';
import { AS_TRANS, AsPathSegmentType, Origin, type PathAttributes } from './codec';
import type { RouteAttributes } from './adj-rib-out';

export interface PathInputs {
  route: RouteAttributes;
  myAsn: number;
  ebgp: boolean;
  asn4: boolean;
  /** The session's local address (IPv4 text, or IPv6). */
  localAddress: string;
  nextHopV4?: string;
  nextHopV6?: string;
  routerId: string;
}

export function buildPathAttributes(i: PathInputs): { attrs: PathAttributes; nextHopsV6: string[] } {
  const attrs: PathAttributes = { origin: Origin.Igp, asPath: [] };
  if (i.ebgp) {
    if (!i.asn4 && i.myAsn > 0xffff) {
      attrs.asPath = [{ type: AsPathSegmentType.Sequence, asns: [AS_TRANS] }];
      attrs.as4Path = [{ type: AsPathSegmentType.Sequence, asns: [i.myAsn] }];
    } else {
      attrs.asPath = [{ type: AsPathSegmentType.Sequence, asns: [i.myAsn] }];
    }
  }
  attrs.nextHop = i.nextHopV4 ?? (isIPv4(i.localAddress) ? i.localAddress : i.routerId);
  if (i.route.med !== undefined) attrs.med = i.route.med;
  if (!i.ebgp) attrs.localPref = i.route.localPref ?? 100;
  if (i.route.communities?.length) attrs.communities = i.route.communities;
  if (i.route.largeCommunities?.length) attrs.largeCommunities = i.route.largeCommunities;
  const v6 = i.nextHopV6 ?? (isIPv6(i.localAddress) ? i.localAddress : `::ffff:${attrs.nextHop}`);
  return { attrs, nextHopsV6: [v6] };
}
