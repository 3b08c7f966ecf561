// Every vector from reference/memberlist.md, byte-exact in both directions.
import { decodeCompound, makeCompoundMessage } from '../../../src/memberlist/compound';
import { compressMessage, decompressBody } from '../../../src/memberlist/compression';
import { addCrc, stripCrc } from '../../../src/memberlist/crc';
import { Keyring, decryptPayload, encryptPayload } from '../../../src/memberlist/crypto';
import { deriveMetalLBKey } from '../../../src/memberlist/key-derivation';
import {
  MessageType,
  decodeAck,
  decodeAlive,
  decodeNack,
  decodePing,
  decodeSuspect,
  encodeAck,
  encodeAlive,
  encodeNack,
  encodePing,
  encodeSuspect,
  DEFAULT_VSN,
} from '../../../src/memberlist/messages';
import { decodePacket, encodePacket } from '../../../src/memberlist/packet';

const hex = (s: string): Buffer => Buffer.from(s, 'hex');
const ip1 = Buffer.from([10, 0, 0, 1]);

const V = {
  pingFull:
    '0085a44e6f6465a66e6f64652d62a55365714e6f01aa536f7572636541646472a40a000001aa536f757263654e6f6465a66e6f64652d61aa536f75726365506f7274cd1f0a',
  ping300: '0082a44e6f6465a66e6f64652d62a55365714e6fcd012c',
  ack: '0282a75061796c6f6164c0a55365714e6f01',
  nack: '0b81a55365714e6f01',
  suspect: '0383a446726f6da66e6f64652d61ab496e6361726e6174696f6e05a44e6f6465a66e6f64652d62',
  alive:
    '0486a441646472a40a000001ab496e6361726e6174696f6e01a44d657461c0a44e6f6465a66e6f64652d61a4506f7274cd1f0aa356736ea6010502000000',
  compound:
    '0702001500270082a44e6f6465a66e6f64652d62a55365714e6f010383a446726f6da66e6f64652d61ab496e6361726e6174696f6e05a44e6f6465a66e6f64652d62',
  crcPing: '0ce3c323100082a44e6f6465a66e6f64652d62a55365714e6f01',
  compress: '0982a4416c676f00a3427566b200d19461c3e60d0881040d222c787060c180',
  nonce: '000102030405060708090a0b',
  plain: '0082a44e6f6465a66e6f64652d62a55365714e6f01',
  encV1: '01000102030405060708090a0bfdbd605371105e908649637fedf9157e65a6199506b296db2b1ee9a17d1d07052370ce6d6b',
  metallbKey: '4162436445664768496a4b6c4d6e4f70517253745576e3b0c44298fc1c149afb',
  metallbAck: '01000102030405060708090a0b3d104a28fef5400e8d3ec169ea763887f7d323d4a5b4871ed789d24e8e471e82874c',
};

describe('memberlist reference vectors', () => {
  test('ping with source', () => {
    const p = { seqNo: 1, node: 'node-b', sourceAddr: ip1, sourcePort: 7946, sourceNode: 'node-a' };
    expect(encodePing(p).toString('hex')).toBe(V.pingFull);
    expect(decodePing(hex(V.pingFull).subarray(1))).toEqual(p);
  });
  test('ping seq 300 (uint16) without source', () => {
    expect(encodePing({ seqNo: 300, node: 'node-b' }).toString('hex')).toBe(V.ping300);
    expect(decodePing(hex(V.ping300).subarray(1))).toEqual({ seqNo: 300, node: 'node-b' });
  });
  test('ack with nil payload', () => {
    expect(encodeAck({ seqNo: 1, payload: null }).toString('hex')).toBe(V.ack);
    expect(decodeAck(hex(V.ack).subarray(1))).toEqual({ seqNo: 1, payload: null });
  });
  test('nack', () => {
    expect(encodeNack({ seqNo: 1 }).toString('hex')).toBe(V.nack);
    expect(decodeNack(hex(V.nack).subarray(1))).toEqual({ seqNo: 1 });
  });
  test('suspect', () => {
    const s = { incarnation: 5, node: 'node-b', from: 'node-a' };
    expect(encodeSuspect(s).toString('hex')).toBe(V.suspect);
    expect(decodeSuspect(hex(V.suspect).subarray(1))).toEqual(s);
  });
  test('alive', () => {
    const a = { incarnation: 1, node: 'node-a', addr: ip1, port: 7946, meta: null, vsn: DEFAULT_VSN };
    expect(encodeAlive(a).toString('hex')).toBe(V.alive);
    expect(decodeAlive(hex(V.alive).subarray(1))).toEqual(a);
  });
  test('compound of ping and suspect', () => {
    const parts = [encodePing({ seqNo: 1, node: 'node-b' }), encodeSuspect({ incarnation: 5, node: 'node-b', from: 'node-a' })];
    expect(makeCompoundMessage(parts).toString('hex')).toBe(V.compound);
    const d = decodeCompound(hex(V.compound).subarray(1));
    expect(d.truncated).toBe(0);
    expect(d.parts.map((p) => p.toString('hex'))).toEqual(parts.map((p) => p.toString('hex')));
  });
  test('CRC-wrapped ping', () => {
    const ping = encodePing({ seqNo: 1, node: 'node-b' });
    expect(addCrc(ping).toString('hex')).toBe(V.crcPing);
    expect(stripCrc(hex(V.crcPing)).toString('hex')).toBe(ping.toString('hex'));
  });
  test('LZW compress message', () => {
    const msg = Buffer.from('hello hello hello hello');
    expect(compressMessage(msg).toString('hex')).toBe(V.compress);
    const c = hex(V.compress);
    expect(c[0]).toBe(MessageType.Compress);
    expect(decompressBody(c.subarray(1)).message.toString()).toBe('hello hello hello hello');
  });
  test('AES-128-GCM v1 with fixed nonce', () => {
    const key = Buffer.from('0123456789abcdef');
    const out = encryptPayload(1, key, hex(V.plain), Buffer.alloc(0), hex(V.nonce));
    expect(out.toString('hex')).toBe(V.encV1);
    expect(decryptPayload([key], hex(V.encV1), Buffer.alloc(0)).toString('hex')).toBe(V.plain);
  });
  test('MetalLB key derivation', () => {
    expect(deriveMetalLBKey('AbCdEfGhIjKlMnOpQrStUv', 'metallb-legacy').toString('hex')).toBe(V.metallbKey);
  });
  test('MetalLB-keyed ack over UDP v1', () => {
    const key = deriveMetalLBKey('AbCdEfGhIjKlMnOpQrStUv', 'metallb-legacy');
    const ack = encodeAck({ seqNo: 1, payload: null });
    expect(encryptPayload(1, key, ack, Buffer.alloc(0), hex(V.nonce)).toString('hex')).toBe(V.metallbAck);
    const keyring = new Keyring([key]);
    expect(decodePacket(hex(V.metallbAck), { keyring, label: '' }).toString('hex')).toBe(V.ack);
  });
  test('packet pipeline round trip (compress, crc, encrypt, label)', () => {
    const keyring = new Keyring([deriveMetalLBKey('s3cret', 'metallb-legacy')]);
    const msg = Buffer.concat([encodePing({ seqNo: 9, node: 'x'.repeat(200) })]);
    const pkt = encodePacket(msg, { keyring, label: 'lab', compress: true, crc: true });
    expect(pkt[0]).toBe(MessageType.HasLabel);
    const plain = decodePacket(pkt, { keyring, label: 'lab' });
    expect(plain[0]).toBe(MessageType.Compress);
    expect(decompressBody(plain.subarray(1)).message.equals(msg)).toBe(true);
  });
});
