// Both MetalLB key derivations (vectors computed by Go and by sha256sum / Python AES-GCM), and the
// keyring they build: the chosen derivation sends, every derivation receives, in hashicorp's order.
import { createHash } from 'node:crypto';
import { Keyring, decryptPayload, encryptPayload } from '../../../src/memberlist/crypto';
import { DEFAULT_KEY_DERIVATION, KEY_DERIVATIONS, deriveMetalLBKey, installSecretKeys, parseKeyDerivation } from '../../../src/memberlist/key-derivation';
import { encodeAck } from '../../../src/memberlist/messages';
import { decodePacket, encodePacket } from '../../../src/memberlist/packet';
import { resolveOptions } from '../../../src/memberlist/options';

// Printed by test/interop/memberlist-go (`-derive`), which uses MetalLB v0.16.1's and v0.16.2's expressions.
const VECTORS = [
  {
    secret: 'AbCdEfGhIjKlMnOpQrStUv',
    legacy: '4162436445664768496a4b6c4d6e4f70517253745576e3b0c44298fc1c149afb',
    v0162: '8bfb4a7f6c1cb4073b47072626084118324bcbb904ec7f27e62a39270926b999',
  },
  {
    secret: 's',
    legacy: '73e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b8',
    v0162: '043a718774c572bd8a25adbeb1bfcd5c0256ae11cecf9f9c3f925d0e52beaf89',
  },
  {
    secret: '0123456789abcdef0123456789abcdefone',
    legacy: '3031323334353637383961626364656630313233343536373839616263646566',
    v0162: 'f82b834c0cbee6dc3cf302588dbd614d9e06ca2311602b4ade826af9f2ae1e05',
  },
];
const NONCE = Buffer.from('000102030405060708090a0b', 'hex');
// ack{SeqNo 1, Payload nil}, encrypted (v1, no label) with the v0.16.2 key of AbCdEfGhIjKlMnOpQrStUv (Python AESGCM).
const V0162_ACK = '01000102030405060708090a0b5b9a5468895a191aeccef291b6764d766e33727ebc3e61a1fe71453c346a58ed460b';
const LEGACY_ACK = '01000102030405060708090a0b3d104a28fef5400e8d3ec169ea763887f7d323d4a5b4871ed789d24e8e471e82874c';

describe('deriveMetalLBKey', () => {
  test.each(VECTORS)('vectors for $secret', ({ secret, legacy, v0162 }) => {
    expect(deriveMetalLBKey(secret, 'metallb-legacy').toString('hex')).toBe(legacy);
    expect(deriveMetalLBKey(secret, 'metallb-v0.16.2').toString('hex')).toBe(v0162);
    expect(deriveMetalLBKey(Buffer.from(secret), 'metallb-v0.16.2').toString('hex')).toBe(v0162);
  });

  test('v0.16.2 keys are the digest of the secret (MetalLB TestSecretKeyFor properties)', () => {
    const empty = createHash('sha256').digest();
    const seen = new Set<string>();
    for (const s of ['s', 'metallb', 'TB6Su+iJ8AObGAX7x9NEnw', '0123456789abcdef0123456789abcdefone', '0123456789abcdef0123456789abcdeftwo']) {
      const k = deriveMetalLBKey(s, 'metallb-v0.16.2');
      expect(k).toHaveLength(32);
      expect(k.subarray(0, Math.min(s.length, 32)).equals(Buffer.from(s).subarray(0, 32))).toBe(false);
      expect(k.includes(empty.subarray(0, 8))).toBe(false);
      seen.add(k.toString('hex'));
    }
    expect(seen.size).toBe(5);
  });

  test('the legacy key is the secret padded with SHA256(""), which is why two long secrets collide', () => {
    const a = deriveMetalLBKey('0123456789abcdef0123456789abcdefone', 'metallb-legacy');
    const b = deriveMetalLBKey('0123456789abcdef0123456789abcdeftwo', 'metallb-legacy');
    expect(a.equals(b)).toBe(true);
    expect(deriveMetalLBKey('TB6Su+iJ8AObGAX7x9NEnw', 'metallb-legacy').subarray(22).toString('hex')).toBe('e3b0c44298fc1c149afb');
  });

  test('an empty secret and an unknown derivation are refused', () => {
    expect(() => deriveMetalLBKey('', 'metallb-v0.16.2')).toThrow(/empty/);
    expect(() => deriveMetalLBKey('x', 'sha1' as never)).toThrow(/unknown memberlist key derivation sha1/);
  });

  test('encrypted ack vectors for both keys', () => {
    const ack = encodeAck({ seqNo: 1, payload: null });
    for (const [d, want] of [['metallb-v0.16.2', V0162_ACK], ['metallb-legacy', LEGACY_ACK]] as const) {
      const key = deriveMetalLBKey('AbCdEfGhIjKlMnOpQrStUv', d);
      expect(encryptPayload(1, key, ack, Buffer.alloc(0), NONCE).toString('hex')).toBe(want);
      expect(decryptPayload([key], Buffer.from(want, 'hex'), Buffer.alloc(0)).equals(ack)).toBe(true);
    }
  });
});

describe('parseKeyDerivation', () => {
  test('accepts both names, defaults to what current MetalLB does', () => {
    expect(KEY_DERIVATIONS).toEqual(['metallb-v0.16.2', 'metallb-legacy']);
    expect(DEFAULT_KEY_DERIVATION).toBe('metallb-v0.16.2');
    expect(parseKeyDerivation('metallb-legacy', 'x')).toBe('metallb-legacy');
  });
  test('names the place and the accepted values', () => {
    expect(() => parseKeyDerivation('legacy', '--memberlist-key-derivation')).toThrow(
      '--memberlist-key-derivation must be one of metallb-v0.16.2, metallb-legacy, got "legacy"',
    );
    expect(() => parseKeyDerivation(3, 'layer2 option memberlist.keyDerivation')).toThrow(/memberlist.keyDerivation .* got 3/);
  });
});

describe('the secret keyring', () => {
  const S = 'AbCdEfGhIjKlMnOpQrStUv';
  const legacy = deriveMetalLBKey(S, 'metallb-legacy');
  const v0162 = deriveMetalLBKey(S, 'metallb-v0.16.2');

  test.each([
    ['metallb-v0.16.2', v0162, legacy],
    ['metallb-legacy', legacy, v0162],
  ] as const)('sending with %s: that key is primary, the other secondary', (send, primary, secondary) => {
    const ring = new Keyring();
    installSecretKeys(ring, S, send);
    expect(ring.getKeys().map((k) => k.toString('hex'))).toEqual([primary.toString('hex'), secondary.toString('hex')]);
    const pkt = encodePacket(encodeAck({ seqNo: 7, payload: null }), { keyring: ring, label: '', compress: false, crc: false });
    // Only a peer holding our primary key reads what we send.
    expect(() => decodePacket(pkt, { keyring: new Keyring([secondary]), label: '' })).toThrow(/no installed key could decrypt/);
    expect(decodePacket(pkt, { keyring: new Keyring([primary]), label: '' })[0]).toBe(2);
  });

  test('receives from peers of either derivation, counting primary and secondary decryptions', () => {
    const ring = new Keyring();
    installSecretKeys(ring, S, 'metallb-v0.16.2');
    const seen: boolean[] = [];
    ring.onDecrypt = (p) => seen.push(p);
    for (const key of [v0162, legacy, v0162]) {
      const pkt = encodePacket(encodeAck({ seqNo: 1, payload: null }), { keyring: new Keyring([key]), label: 'l', compress: false, crc: false });
      expect(decodePacket(pkt, { keyring: ring, label: 'l' })[0]).toBe(2);
    }
    expect(seen).toEqual([true, false, true]);
  });

  test('accept list limits the receive keys (a node that only knows one derivation, like MetalLB)', () => {
    const ring = new Keyring();
    installSecretKeys(ring, S, 'metallb-legacy', ['metallb-legacy']);
    expect(ring.size).toBe(1);
  });

  test('resolveOptions: secret + keyDerivation as hashicorp Config.SecretKey on an existing keyring (AddKey, UseKey)', () => {
    const raw = Buffer.alloc(16, 1);
    const o = resolveOptions({ name: 'n', bindAddr: '127.0.0.1', secret: S, keys: [raw], keyDerivation: 'metallb-legacy' });
    expect(o.keyring.getKeys().map((k) => k.toString('hex'))).toEqual([legacy, raw, v0162].map((k) => k.toString('hex')));
    const d = resolveOptions({ name: 'n', bindAddr: '127.0.0.1', secret: S });
    expect(d.keyring.getPrimaryKey()?.equals(v0162)).toBe(true);
    expect(() => resolveOptions({ name: 'n', bindAddr: '127.0.0.1', secret: S, keyDerivation: 'md5' as never })).toThrow(/memberlist keyDerivation must be one of/);
  });

  test('rolling: useKey swaps primary and secondary without dropping either (Go UseKey order)', () => {
    const ring = new Keyring();
    installSecretKeys(ring, S, 'metallb-legacy');
    ring.useKey(v0162);
    expect(ring.getKeys().map((k) => k.toString('hex'))).toEqual([v0162, legacy].map((k) => k.toString('hex')));
    expect(() => ring.removeKey(v0162)).toThrow(/primary/);
    ring.removeKey(legacy);
    expect(ring.size).toBe(1);
  });
});
