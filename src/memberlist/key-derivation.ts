// MetalLB's two ways of turning the Secret's `secretkey` into the memberlist AES-256 key, and the keyring
// that sends with the chosen one and accepts both, so a cluster can roll between them without a partition.
import { createHash } from 'node:crypto';
import { Keyring } from './crypto';

/**
 * `metallb-v0.16.2`: key = SHA256(secret) (MetalLB ≥ v0.16.2, its release notes #3143).
 * `metallb-legacy`: key = (secret ‖ SHA256(""))[0:32] (MetalLB v0.14.0 – v0.16.1: Go's
 * `sha256.New().Sum(secret)` appends the empty-input digest to the secret instead of hashing it).
 */
export const KEY_DERIVATIONS = ['metallb-v0.16.2', 'metallb-legacy'] as const;
/** A way to turn the MetalLB Secret's `secretkey` into an AES key. */
export type KeyDerivation = (typeof KEY_DERIVATIONS)[number];

/** What current MetalLB (v0.16.2) does, so a Secret made for today's MetalLB works unchanged. */
export const DEFAULT_KEY_DERIVATION: KeyDerivation = 'metallb-v0.16.2';

function secretBytes(secret: string | Buffer): Buffer {
  return typeof secret === 'string' ? Buffer.from(secret, 'utf8') : secret;
}

/** The 32-byte AES key MetalLB derives from `secret` with `derivation`. */
export function deriveMetalLBKey(secret: string | Buffer, derivation: KeyDerivation): Buffer {
  const s = secretBytes(secret);
  if (s.length === 0) throw new Error('memberlist secret is empty');
  switch (derivation) {
    case 'metallb-v0.16.2':
      return createHash('sha256').update(s).digest();
    case 'metallb-legacy':
      return Buffer.concat([s, createHash('sha256').digest()]).subarray(0, 32);
    default:
      throw new Error(`unknown memberlist key derivation ${String(derivation)}`);
  }
}

/** Parses a derivation name; the error names `where` (a flag or an option path) and the accepted values. */
export function parseKeyDerivation(text: unknown, where: string): KeyDerivation {
  if (typeof text === 'string' && (KEY_DERIVATIONS as readonly string[]).includes(text)) return text as KeyDerivation;
  throw new Error(`${where} must be one of ${KEY_DERIVATIONS.join(', ')}, got ${JSON.stringify(text)}`);
}

/**
 * Installs the keys of `secret` on `keyring` as hashicorp/memberlist does with `Config.SecretKey` on an
 * existing keyring (AddKey + UseKey): the `send` derivation's key becomes primary (encrypts everything we
 * send, tried first on receive); the other derivations' keys are secondary (tried on receive only).
 */
export function installSecretKeys(keyring: Keyring, secret: string | Buffer, send: KeyDerivation, accept: readonly KeyDerivation[] = KEY_DERIVATIONS): void {
  const primary = deriveMetalLBKey(secret, send);
  keyring.addKey(primary);
  keyring.useKey(primary);
  for (const d of accept) keyring.addKey(deriveMetalLBKey(secret, d));
}

/** Which derivation produced `key` for `secret`, if any (for logs and the receive-key metric). */
export function derivationOfKey(secret: string | Buffer, key: Buffer): KeyDerivation | undefined {
  return KEY_DERIVATIONS.find((d) => deriveMetalLBKey(secret, d).equals(key));
}
