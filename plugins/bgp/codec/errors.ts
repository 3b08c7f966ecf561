// A decode failure carries the NOTIFICATION it implies, so the session can reply without re-deriving it.

export const ErrorCode = {
  MessageHeader: 1,
  Open: 2,
  Update: 3,
  HoldTimerExpired: 4,
  Fsm: 5,
  Cease: 6,
  RouteRefresh: 7,
} as const;

export const HeaderSubcode = { ConnectionNotSynchronized: 1, BadMessageLength: 2, BadMessageType: 3 } as const;

export const OpenSubcode = {
  UnsupportedVersion: 1,
  BadPeerAs: 2,
  BadBgpIdentifier: 3,
  UnsupportedOptionalParameter: 4,
  UnacceptableHoldTime: 6,
  UnsupportedCapability: 7,
} as const;

export const UpdateSubcode = {
  MalformedAttributeList: 1,
  UnrecognizedWellKnown: 2,
  MissingWellKnown: 3,
  AttributeFlagsError: 4,
  AttributeLengthError: 5,
  InvalidOrigin: 6,
  InvalidNextHop: 8,
  OptionalAttributeError: 9,
  InvalidNetworkField: 10,
  MalformedAsPath: 11,
} as const;

export const CeaseSubcode = {
  MaxPrefixes: 1,
  AdministrativeShutdown: 2,
  PeerDeconfigured: 3,
  AdministrativeReset: 4,
  ConnectionRejected: 5,
  OtherConfigurationChange: 6,
  ConnectionCollision: 7,
  OutOfResources: 8,
  /** RFC 9384: the BFD session protecting this BGP session went down. */
  BfdDown: 10,
} as const;

/** RFC 7606 error-handling approaches, weakest first. */
export type ErrorAction = 'attribute-discard' | 'treat-as-withdraw' | 'session-reset';

/** The only exception codec decoders throw: the session answers it with NOTIFICATION(code, subcode, data). */
export class BgpDecodeError extends Error {
  readonly action: ErrorAction = 'session-reset';
  constructor(
    readonly code: number,
    readonly subcode: number,
    message: string,
    readonly data: Buffer = Buffer.alloc(0),
  ) {
    super(message);
    this.name = 'BgpDecodeError';
  }
}

/** Reads past the end of a buffer become a typed error instead of a RangeError. */
export function need(buf: Buffer, off: number, n: number, code: number, subcode: number, what: string): void {
  if (off + n > buf.length) throw new BgpDecodeError(code, subcode, `${what}: need ${n} bytes at offset ${off}, have ${buf.length - off}`);
}
