// The one error type decoders throw, so callers can tell "bad packet → drop and count" from bugs.

/** Why a buffer could not be decoded; used as the `reason` label of the dropped-packets metric. */
export type DecodeFailure =
  | 'truncated'
  | 'malformed'
  | 'oversized'
  | 'unknown-type'
  | 'crc'
  | 'decrypt'
  | 'label'
  | 'compression';

/** Thrown by every memberlist decoder for malformed, truncated, oversized or unauthentic input. */
export class MemberlistDecodeError extends Error {
  constructor(
    /** What kind of failure. */
    readonly reason: DecodeFailure,
    message: string,
  ) {
    super(`memberlist: ${reason}: ${message}`);
    this.name = 'MemberlistDecodeError';
  }
}

export function fail(reason: DecodeFailure, message: string): never {
  throw new MemberlistDecodeError(reason, message);
}
