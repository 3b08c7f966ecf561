// Encryption v0, keyring, labels, stream framing, addresses, options and metrics.
import { Registry } from 'prom-client';
import { bytesToIp, ipToBytes, splitHostPort } from '../../../src/memberlist/address';
import { ENCRYPT_OVERHEAD, Keyring, decryptPayload, encryptPayload, encryptedLength } from '../../../src/memberlist/crypto';
import { MemberlistDecodeError } from '../../../src/memberlist/errors';
import { addLabel, removeLabel } from '../../../src/memberlist/label';
import { MessageType, encodeAck, encodePing, encodePushPull, DEFAULT_VSN } from '../../../src/memberlist/messages';
import { MemberlistMetrics } from '../../../src/memberlist/metrics';
import { encodeMsgpack, decodeMsgpack } from '../../../src/memberlist/msgpack-raw';
import { resolveOptions } from '../../../src/memberlist/options';
import { decodePacket, encodePacket } from '../../../src/memberlist/packet';
import { encodeStreamMessage, parseStream, parseStreamLabel } from '../../../src/memberlist/stream';

const key16 = Buffer.from('0123456789abcdef');
const key32 = Buffer.alloc(32, 9);

describe('encryption', () => {
  test('v0 (PKCS#7 padded) decrypts; lengths match Go', () => {
    for (const len of [0, 1, 15, 16, 17]) {
      const msg = Buffer.alloc(len, 0x41);
      const enc = encryptPayload(0, key16, msg, Buffer.from('aad'));
      expect(enc[0]).toBe(0);
      expect(enc.length).toBe(encryptedLength(0, len));
      expect(decryptPayload([key16], enc, Buffer.from('aad')).equals(msg)).toBe(true);
    }
    expect(encryptedLength(1, 10)).toBe(10 + ENCRYPT_OVERHEAD);
  });
  test('wrong key, wrong AAD, unknown version and short input are typed errors', () => {
    const enc = encryptPayload(1, key16, Buffer.from('hi'), Buffer.alloc(0));
    expect(() => decryptPayload([key32], enc, Buffer.alloc(0))).toThrow(MemberlistDecodeError);
    expect(() => decryptPayload([key16], enc, Buffer.from('x'))).toThrow(/decrypt/);
    const v2 = Buffer.from(enc);
    v2[0] = 2;
    expect(() => decryptPayload([key16], v2, Buffer.alloc(0))).toThrow(/version/);
    expect(() => decryptPayload([key16], enc.subarray(0, 20), Buffer.alloc(0))).toThrow(/truncated/);
  });
  test('keyring: primary encrypts, any decrypts, rotation, primary cannot be removed', () => {
    const ring = new Keyring([key16, key32]);
    expect(ring.getPrimaryKey()).toEqual(key16);
    const pkt = encodePacket(encodeAck({ seqNo: 1, payload: null }), { keyring: ring, label: '', compress: false, crc: false });
    expect(decodePacket(pkt, { keyring: new Keyring([key32, key16]), label: '' })[0]).toBe(MessageType.Ack);
    ring.useKey(key32);
    expect(ring.getPrimaryKey()).toEqual(key32);
    expect(() => ring.removeKey(key32)).toThrow(/primary/);
    ring.removeKey(key16);
    expect(ring.size).toBe(1);
    expect(() => decodePacket(pkt, { keyring: ring, label: '' })).toThrow(MemberlistDecodeError);
    expect(() => ring.addKey(Buffer.alloc(10))).toThrow(RangeError);
  });
});

describe('labels', () => {
  test('header round trip and mismatches', () => {
    const b = addLabel(Buffer.from([1, 2]), 'cluster-a');
    expect(b.subarray(0, 2)).toEqual(Buffer.from([0xf4, 9]));
    expect(removeLabel(b)).toEqual({ label: 'cluster-a', rest: Buffer.from([1, 2]) });
    expect(() => removeLabel(Buffer.from([0xf4, 0]))).toThrow(/empty label/);
    expect(() => removeLabel(Buffer.from([0xf4, 5, 1]))).toThrow(/truncated/);
    const pkt = encodePacket(encodePing({ seqNo: 1, node: 'x' }), { keyring: new Keyring([key16]), label: 'a', compress: false, crc: false });
    expect(() => decodePacket(pkt, { keyring: new Keyring([key16]), label: 'b' })).toThrow(/label/);
    expect(() => decodePacket(pkt, { keyring: new Keyring([key16]), label: '' })).toThrow(/label/);
  });
});

describe('streams', () => {
  const pp = encodePushPull({
    join: true,
    nodes: [{ name: 'a', addr: Buffer.from([10, 0, 0, 1]), port: 7946, meta: null, incarnation: 3, state: 0, vsn: DEFAULT_VSN }],
    userState: Buffer.alloc(0),
  });
  test.each([
    ['encrypted+compressed', new Keyring([key32]), true],
    ['clear+compressed', new Keyring(), true],
    ['clear, raw', new Keyring(), false],
  ])('%s: needs more until complete, then decodes', (_n, keyring, compress) => {
    const sec = { keyring, label: 'L' };
    const framed = encodeStreamMessage(pp, sec, compress);
    for (let i = 0; i < framed.length; i++) expect(parseStream(framed.subarray(0, i), sec).done).toBe(false);
    const r = parseStream(framed, sec);
    expect(r.done && r.message.type === MessageType.PushPull && r.message.value.nodes[0]!.incarnation).toBe(3);
  });
  test('encrypted stream with a different label (AAD) fails; clear stream refused when keyed', () => {
    const framed = encodeStreamMessage(pp, { keyring: new Keyring([key32]), label: 'L' });
    expect(() => parseStream(framed, { keyring: new Keyring([key32]), label: 'M' })).toThrow(/decrypt/);
    expect(() => parseStream(encodeStreamMessage(pp, { keyring: new Keyring(), label: '' }), { keyring: new Keyring([key32]), label: '' })).toThrow(/not encrypted/);
    const huge = Buffer.from([0x0a, 0x7f, 0xff, 0xff, 0xff]);
    expect(() => parseStream(huge, { keyring: new Keyring([key32]), label: '' })).toThrow(/oversized/);
  });
  test('stream label header', () => {
    expect(parseStreamLabel(Buffer.from([0xf4]))).toBeUndefined();
    expect(parseStreamLabel(Buffer.from([0xf4, 1, 0x41, 9]))).toEqual({ label: 'A', rest: Buffer.from([9]) });
    expect(parseStreamLabel(Buffer.from([6]))).toEqual({ label: '', rest: Buffer.from([6]) });
  });
});

describe('msgpack raw family', () => {
  test('strings and bytes use a0/da/db, never d9 or bin', () => {
    expect(encodeMsgpack('x'.repeat(31))[0]).toBe(0xbf);
    expect(encodeMsgpack('x'.repeat(32))[0]).toBe(0xda);
    expect(encodeMsgpack(Buffer.alloc(70000))[0]).toBe(0xdb);
    expect(encodeMsgpack(Buffer.alloc(200))[0]).toBe(0xda);
  });
  test('accepts every integer width and str8/bin from other encoders', () => {
    expect(decodeMsgpack(Buffer.from([0xd1, 0x01, 0x2c])).value).toBe(300);
    expect(decodeMsgpack(Buffer.from([0xcf, 0, 0, 0, 0, 0, 0, 1, 0])).value).toBe(256);
    expect(decodeMsgpack(Buffer.from([0xd9, 1, 0x41])).value).toEqual(Buffer.from('A'));
    expect(decodeMsgpack(Buffer.from([0xc4, 1, 0xff])).value).toEqual(Buffer.from([0xff]));
    expect(() => decodeMsgpack(Buffer.from([0xc1]))).toThrow(MemberlistDecodeError);
    expect(() => decodeMsgpack(Buffer.from([0xdd, 0xff, 0xff, 0xff, 0xff]))).toThrow(/truncated/);
  });
});

test('addresses', () => {
  expect(bytesToIp(ipToBytes('10.1.2.3'))).toBe('10.1.2.3');
  expect(bytesToIp(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 2]))).toBe('127.0.0.2');
  expect(bytesToIp(ipToBytes('fe80::1'))).toBe('fe80::1');
  expect(bytesToIp(ipToBytes('::1'))).toBe('::1');
  expect(splitHostPort('127.0.0.1:7000')).toEqual({ host: '127.0.0.1', port: 7000 });
  expect(splitHostPort('[::1]:7000')).toEqual({ host: '::1', port: 7000 });
  expect(splitHostPort('10.0.0.1')).toEqual({ host: '10.0.0.1', port: 7946 });
});

test('options: a key or explicit clear text; MetalLB secret becomes the primary key', () => {
  expect(() => resolveOptions({ name: 'a', bindAddr: '127.0.0.1' })).toThrow(/insecureClear/);
  expect(resolveOptions({ name: 'a', bindAddr: '127.0.0.1', insecureClear: true }).keyring.size).toBe(0);
  const o = resolveOptions({ name: 'a', bindAddr: '127.0.0.1', keys: [key16], secret: 'AbCdEfGhIjKlMnOpQrStUv', keyDerivation: 'metallb-legacy' });
  expect(o.keyring.getPrimaryKey()!.toString('hex')).toBe('4162436445664768496a4b6c4d6e4f70517253745576e3b0c44298fc1c149afb');
  // key16 and the other derivation's key (sha256(secret)) are secondary.
  expect(o.keyring.size).toBe(3);
  expect(o.timings.probeIntervalMs).toBe(120);
  expect(resolveOptions({ name: 'a', bindAddr: 'x', insecureClear: true, profile: 'lan', timings: { gossipNodes: 5 } }).timings).toMatchObject({ probeIntervalMs: 1000, gossipNodes: 5 });
  expect(() => resolveOptions({ name: 'a', bindAddr: 'x', insecureClear: true, label: 'x'.repeat(256) })).toThrow(RangeError);
});

test('dropped packets are counted in the registry by reason', async () => {
  const reg = new Registry();
  const m = new MemberlistMetrics(reg);
  m.drop('decrypt');
  m.drop('decrypt');
  new MemberlistMetrics(reg).drop('label');
  const text = await reg.metrics();
  expect(text).toContain('metallbts_memberlist_packets_dropped_total{reason="decrypt"} 2');
  expect(text).toContain('metallbts_memberlist_packets_dropped_total{reason="label"} 1');
  expect(m.droppedCounts()).toEqual({ decrypt: 2 });
});
