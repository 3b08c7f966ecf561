// Wire numbers of BGP-4 (RFC 4271) and the extensions metallbts speaks, in one place.

export const MARKER = Buffer.alloc(16, 0xff);
export const HEADER_LENGTH = 19;
export const MAX_MESSAGE_LENGTH = 4096;
export const BGP_VERSION = 4;
export const AS_TRANS = 23456;

export const MessageType = { Open: 1, Update: 2, Notification: 3, Keepalive: 4, RouteRefresh: 5 } as const;

export const AttrType = {
  Origin: 1,
  AsPath: 2,
  NextHop: 3,
  Med: 4,
  LocalPref: 5,
  AtomicAggregate: 6,
  Aggregator: 7,
  Communities: 8,
  MpReach: 14,
  MpUnreach: 15,
  As4Path: 17,
  As4Aggregator: 18,
  LargeCommunities: 32,
} as const;

export const AttrFlag = { Optional: 0x80, Transitive: 0x40, Partial: 0x20, ExtendedLength: 0x10 } as const;

export const Origin = { Igp: 0, Egp: 1, Incomplete: 2 } as const;

export const AsPathSegmentType = { Set: 1, Sequence: 2, ConfedSequence: 3, ConfedSet: 4 } as const;

export const CapabilityCode = {
  Multiprotocol: 1,
  RouteRefresh: 2,
  GracefulRestart: 64,
  FourOctetAs: 65,
  EnhancedRouteRefresh: 70,
} as const;

export const Afi = { Ipv4: 1, Ipv6: 2 } as const;
export const Safi = { Unicast: 1 } as const;

export type AfiSafi = { afi: number; safi: number };
export const IPV4_UNICAST: AfiSafi = { afi: Afi.Ipv4, safi: Safi.Unicast };
export const IPV6_UNICAST: AfiSafi = { afi: Afi.Ipv6, safi: Safi.Unicast };

/** Well-known community values (RFC 1997). */
export const WellKnownCommunity = { NoExport: 0xffffff01, NoAdvertise: 0xffffff02, NoExportSubconfed: 0xffffff03 } as const;
