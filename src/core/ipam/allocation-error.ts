// Typed allocation failures: the controller turns `message` into an `AllocationFailed` event, `reason` lets callers branch without parsing text.

export type AllocationFailureReason =
  /** The Service's own request is contradictory or malformed (both spec.loadBalancerIP and the annotation, bad IP text, family mismatch). */
  | 'InvalidRequest'
  /** A requested IP lies in no pool (or only in a pool that avoids it as a buggy .0/.255 address). */
  | 'NotInAnyPool'
  /** Requested IPs lie in different pools, or not in the pool named by `address-pool`. */
  | 'PoolMismatch'
  /** The pool's serviceAllocation (namespaces/selectors) excludes the Service. */
  | 'PoolNotAllowed'
  /** `address-pool` names a pool that does not exist. */
  | 'UnknownPool'
  /** A requested IP is held by a Service it cannot share with. */
  | 'IPInUse'
  /** No eligible pool has a free (or shareable) address of the needed family. */
  | 'NoAvailableIPs';

export class AllocationError extends Error {
  constructor(
    readonly reason: AllocationFailureReason,
    message: string,
  ) {
    super(message);
    this.name = 'AllocationError';
  }
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AllocationError };

export function fail<T>(reason: AllocationFailureReason, message: string): Result<T> {
  return { ok: false, error: new AllocationError(reason, message) };
}
