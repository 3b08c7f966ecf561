// memberlist's AES-GCM payload encryption (v1; v0 = PKCS#7-padded, decrypt only) and its keyring
// (primary key sends, every key receives), as hashicorp/memberlist's security.go and keyring.go.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { fail } from './errors';

const VERSION_SIZE = 1;
const NONCE_SIZE = 12;
const TAG_SIZE = 16;
const BLOCK_SIZE = 16;
/** Bytes v1 encryption adds to a message. */
export const ENCRYPT_OVERHEAD = VERSION_SIZE + NONCE_SIZE + TAG_SIZE;

function cipherName(key: Buffer): 'aes-128-gcm' | 'aes-192-gcm' | 'aes-256-gcm' {
  switch (key.length) {
    case 16:
      return 'aes-128-gcm';
    case 24:
      return 'aes-192-gcm';
    case 32:
      return 'aes-256-gcm';
    default:
      throw new RangeError(`memberlist key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
}

/** Encrypted length for a plaintext of `len` bytes with encryption version `vsn`. */
export function encryptedLength(vsn: 0 | 1, len: number): number {
  if (vsn === 1) return ENCRYPT_OVERHEAD + len;
  return ENCRYPT_OVERHEAD + len + (BLOCK_SIZE - (len % BLOCK_SIZE));
}

/** `vsn | nonce | AES-GCM(msg) | tag`; v0 pads the plaintext with PKCS#7 first. */
export function encryptPayload(vsn: 0 | 1, key: Buffer, msg: Buffer, aad: Buffer, nonce: Buffer = randomBytes(NONCE_SIZE)): Buffer {
  if (nonce.length !== NONCE_SIZE) throw new RangeError('nonce must be 12 bytes');
  let plain = msg;
  if (vsn === 0) {
    const pad = BLOCK_SIZE - (msg.length % BLOCK_SIZE);
    plain = Buffer.concat([msg, Buffer.alloc(pad, pad)]);
  }
  const c = createCipheriv(cipherName(key), key, nonce);
  c.setAAD(aad);
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([Buffer.from([vsn]), nonce, body, c.getAuthTag()]);
}

function decryptWithKey(key: Buffer, msg: Buffer, aad: Buffer): Buffer | undefined {
  const vsn = msg[0];
  const nonce = msg.subarray(VERSION_SIZE, VERSION_SIZE + NONCE_SIZE);
  const ct = msg.subarray(VERSION_SIZE + NONCE_SIZE, msg.length - TAG_SIZE);
  const tag = msg.subarray(msg.length - TAG_SIZE);
  try {
    const d = createDecipheriv(cipherName(key), key, nonce);
    d.setAAD(aad);
    d.setAuthTag(tag);
    const plain = Buffer.concat([d.update(ct), d.final()]);
    if (vsn === 0) {
      const pad = plain.length > 0 ? plain.readUInt8(plain.length - 1) : 0;
      if (pad < 1 || pad > BLOCK_SIZE || pad > plain.length) return undefined;
      return plain.subarray(0, plain.length - pad);
    }
    return plain;
  } catch {
    return undefined;
  }
}

/** Tries every key in order; returns the plaintext and the index of the key that authenticated it. */
export function decryptPayloadWithIndex(keys: readonly Buffer[], msg: Buffer, aad: Buffer): { plain: Buffer; keyIndex: number } {
  if (msg.length < ENCRYPT_OVERHEAD) fail('truncated', 'encrypted payload too short');
  const version = msg.readUInt8(0);
  if (version > 1) fail('decrypt', `unsupported encryption version ${version}`);
  for (const [i, key] of keys.entries()) {
    const plain = decryptWithKey(key, msg, aad);
    if (plain) return { plain, keyIndex: i };
  }
  return fail('decrypt', 'no installed key could decrypt the message');
}

/** Tries every key; throws MemberlistDecodeError('decrypt'|'truncated') when none authenticates. */
export function decryptPayload(keys: readonly Buffer[], msg: Buffer, aad: Buffer): Buffer {
  return decryptPayloadWithIndex(keys, msg, aad).plain;
}

/** Keys in use: encrypt with the primary (first), decrypt with any; changeable at runtime. */
export class Keyring {
  private keys: Buffer[] = [];
  /** Told after each successful decryption whether the primary key (index 0) authenticated it. */
  onDecrypt?: (primary: boolean) => void;

  constructor(keys: readonly Buffer[] = [], primary?: Buffer) {
    for (const k of keys) this.addKey(k);
    if (primary) {
      this.addKey(primary);
      this.useKey(primary);
    }
  }

  /** Installs a key (no-op when present); the first key installed becomes primary. */
  addKey(key: Buffer): void {
    cipherName(key);
    if (this.keys.some((k) => k.equals(key))) return;
    this.keys.push(Buffer.from(key));
  }

  /** Makes an installed key the primary one. */
  useKey(key: Buffer): void {
    const i = this.keys.findIndex((k) => k.equals(key));
    if (i < 0) throw new Error('memberlist keyring: key is not installed');
    this.keys.unshift(...this.keys.splice(i, 1));
  }

  /** Removes a key; the primary cannot be removed. */
  removeKey(key: Buffer): void {
    if (this.keys[0]?.equals(key)) throw new Error('memberlist keyring: cannot remove the primary key');
    this.keys = this.keys.filter((k) => !k.equals(key));
  }

  /** All keys, the primary first. */
  getKeys(): readonly Buffer[] {
    return this.keys;
  }

  /** The key packets are sent with (undefined: no encryption). */
  getPrimaryKey(): Buffer | undefined {
    return this.keys[0];
  }

  /** How many keys. */
  get size(): number {
    return this.keys.length;
  }

  /** Decrypts with the primary key first, then the others (Go's decryptPayload order). */
  decrypt(msg: Buffer, aad: Buffer): Buffer {
    const { plain, keyIndex } = decryptPayloadWithIndex(this.keys, msg, aad);
    this.onDecrypt?.(keyIndex === 0);
    return plain;
  }
}
