// Public surface of the standalone memberlist library (used by the layer2 plugin and the CLI).
export { Memberlist } from './memberlist';
export type { MemberlistEvents } from './memberlist';
export type { MemberlistOptions, MemberlistLogger } from './options';
export type { MemberInfo, MemberState, MembershipEvent } from './membership';
export { Keyring } from './crypto';
export { DEFAULT_KEY_DERIVATION, KEY_DERIVATIONS, deriveMetalLBKey, installSecretKeys, parseKeyDerivation } from './key-derivation';
export type { KeyDerivation } from './key-derivation';
export { MemberlistDecodeError } from './errors';
export type { DecodeFailure } from './errors';
export type { MemberlistMetrics, DropReason } from './metrics';
export { FAST_PROFILE, LAN_PROFILE, profileTimings } from './profiles';
export type { MemberlistTimings, ProfileName } from './profiles';
