// Fuzzing the memberlist decoders: arbitrary and mutated input only ever raises MemberlistDecodeError,
// and encode∘decode is the identity. Total runs across decoders from FUZZ_RUNS (default 100000).
import fc from 'fast-check';
import { decodeCompound, makeCompoundMessage } from '../../src/memberlist/compound';
import { compressMessage, decompressBody } from '../../src/memberlist/compression';
import { addCrc, stripCrc } from '../../src/memberlist/crc';
import { Keyring } from '../../src/memberlist/crypto';
import { deriveMetalLBKey } from '../../src/memberlist/key-derivation';
import { MemberlistDecodeError } from '../../src/memberlist/errors';
import { removeLabel } from '../../src/memberlist/label';
import { lzwCompress, lzwDecompress } from '../../src/memberlist/lzw';
import * as M from '../../src/memberlist/messages';
import { MsgpackReader } from '../../src/memberlist/msgpack-raw';
import { decodePacket, encodePacket, unpackMessages } from '../../src/memberlist/packet';
import { encodeStreamMessage, parseStream } from '../../src/memberlist/stream';

const TOTAL = Number(process.env.FUZZ_RUNS ?? 100_000);
const keyring = new Keyring([deriveMetalLBKey('AbCdEfGhIjKlMnOpQrStUv', 'metallb-legacy')]);
const clear = new Keyring();

/** Decoders under test: each gets bytes and must return or throw MemberlistDecodeError. */
const decoders: Record<string, (b: Buffer) => unknown> = {
  msgpack: (b) => new MsgpackReader(b).read(),
  ping: M.decodePing,
  indirectPing: M.decodeIndirectPing,
  ack: M.decodeAck,
  nack: M.decodeNack,
  suspect: M.decodeSuspect,
  alive: M.decodeAlive,
  err: M.decodeErr,
  pushPull: (b) => M.decodePushPull(b),
  compound: decodeCompound,
  crc: stripCrc,
  label: removeLabel,
  lzw: (b) => lzwDecompress(b, 1 << 20),
  compress: (b) => decompressBody(b, 1 << 20),
  unpack: (b) => unpackMessages(b),
  packetEncrypted: (b) => decodePacket(b, { keyring, label: '' }),
  packetClear: (b) => unpackMessages(decodePacket(b, { keyring: clear, label: 'x' })),
  streamEncrypted: (b) => parseStream(b, { keyring, label: '' }),
  streamClear: (b) => parseStream(b, { keyring: clear, label: '' }),
};

// Budget: half on arbitrary bytes, a third on mutations of valid input, the rest on identities.
const RUNS_ARBITRARY = Math.max(20, Math.floor((TOTAL * 0.5) / Object.keys(decoders).length));
const RUNS_MUTATION = Math.max(20, Math.floor((TOTAL * 0.3) / 2 / 6));
const RUNS_IDENTITY = Math.max(20, Math.floor((TOTAL * 0.2) / 8));

/** Identity check without jest's slow deep equality: compare canonical JSON with buffers as hex. */
function same(a: unknown, b: unknown): void {
  const canon = (v: unknown): string => JSON.stringify(v, (_k, x) => (x && x.type === 'Buffer' && Array.isArray(x.data) ? Buffer.from(x.data).toString('hex') : x));
  const ca = canon(a);
  const cb = canon(b);
  if (ca !== cb) throw new Error(`not identical:\n${ca}\n${cb}`);
}

function onlyTypedErrors(fn: (b: Buffer) => unknown, b: Buffer): boolean {
  try {
    fn(b);
  } catch (err) {
    if (!(err instanceof MemberlistDecodeError)) throw err;
  }
  return true;
}

const name = fc.string({ minLength: 0, maxLength: 40 });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const u16 = fc.integer({ min: 1, max: 0xffff });
const ip = fc.oneof(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.uint8Array({ minLength: 16, maxLength: 16 })).map((a) => Buffer.from(a));
const bytesOrNull = fc.option(fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => Buffer.from(a)), { nil: null });
const vsn = fc.uint8Array({ minLength: 6, maxLength: 6 }).map((a) => Buffer.from(a));

const alive = fc.record({ incarnation: u32, node: name, addr: ip, port: u16, meta: bytesOrNull, vsn });
const suspect = fc.record({ incarnation: u32, node: name, from: name });
const ping = fc.record({ seqNo: u32, node: name, sourceAddr: ip, sourcePort: u16, sourceNode: name.filter((s) => s !== '') });
const indirect = fc.record({ seqNo: u32, target: ip, port: u16, node: name, nack: fc.boolean(), sourceAddr: ip, sourcePort: u16, sourceNode: name.filter((s) => s !== '') });
const pushNode = fc.record({ name, addr: ip, port: u16, meta: bytesOrNull, incarnation: u32, state: fc.constantFrom(0, 1, 2, 3), vsn });
const pushPull = fc.record({ join: fc.boolean(), nodes: fc.array(pushNode, { maxLength: 5 }), userState: fc.uint8Array({ maxLength: 16 }).map((a) => Buffer.from(a)) });

/** Valid messages of every kind, to mutate. */
const validMessage = fc.oneof(
  alive.map(M.encodeAlive),
  suspect.map(M.encodeSuspect),
  suspect.map(M.encodeDead),
  ping.map(M.encodePing),
  indirect.map(M.encodeIndirectPing),
  fc.record({ seqNo: u32, payload: bytesOrNull }).map(M.encodeAck),
  u32.map((seqNo) => M.encodeNack({ seqNo })),
  pushPull.map(M.encodePushPull),
);

const mutation = fc.record({ pos: fc.nat(), byte: fc.integer({ min: 0, max: 255 }), cut: fc.nat(), kind: fc.constantFrom('flip', 'cut', 'both', 'insert') });
function mutate(b: Buffer, m: { pos: number; byte: number; cut: number; kind: string }): Buffer {
  const out = Buffer.from(b);
  if (out.length === 0) return out;
  const pos = m.pos % out.length;
  if (m.kind === 'insert') return Buffer.concat([out.subarray(0, pos), Buffer.from([m.byte]), out.subarray(pos)]);
  if (m.kind !== 'cut') out[pos] = m.byte;
  if (m.kind !== 'flip') return out.subarray(0, m.cut % (out.length + 1));
  return out;
}

describe('memberlist decoders never throw anything but MemberlistDecodeError', () => {
  test.each(Object.keys(decoders))('%s on arbitrary bytes', (key) => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (a) => onlyTypedErrors(decoders[key]!, Buffer.from(a))),
      { numRuns: RUNS_ARBITRARY },
    );
  });

  test('mutated valid messages through every layer', () => {
    const runs = RUNS_MUTATION;
    fc.assert(
      fc.property(validMessage, mutation, (msg, m) => {
        const bad = mutate(msg, m);
        onlyTypedErrors((b) => unpackMessages(b), bad);
        onlyTypedErrors((b) => unpackMessages(b), mutate(compressMessage(msg), m));
        onlyTypedErrors((b) => unpackMessages(b), mutate(makeCompoundMessage([msg, msg]), m));
        onlyTypedErrors((b) => unpackMessages(b), mutate(addCrc(msg), m));
        const body = bad.subarray(1);
        for (const d of [M.decodeAlive, M.decodePing, M.decodeIndirectPing, M.decodeSuspect, M.decodeAck, (x: Buffer) => M.decodePushPull(x)]) onlyTypedErrors(d, body);
        return true;
      }),
      { numRuns: runs },
    );
  });

  test('mutated encrypted packets and streams are rejected, never mis-decoded', () => {
    const runs = RUNS_MUTATION;
    fc.assert(
      fc.property(validMessage, mutation, (msg, m) => {
        const pkt = encodePacket(msg, { keyring, label: '', compress: true, crc: true });
        const bad = mutate(pkt, m);
        if (!bad.equals(pkt)) {
          let ok = false;
          try {
            decodePacket(bad, { keyring, label: '' });
          } catch (err) {
            if (!(err instanceof MemberlistDecodeError)) throw err;
            ok = true;
          }
          if (!ok) throw new Error('corrupted packet decoded');
        }
        const st = encodeStreamMessage(msg, { keyring, label: '' });
        const badSt = mutate(st, m);
        if (!badSt.equals(st)) {
          // A corrupted stream either fails authentication or (length grew/cut) waits for more bytes.
          let r: ReturnType<typeof parseStream> | undefined;
          try {
            r = parseStream(badSt, { keyring, label: '' });
          } catch (err) {
            if (!(err instanceof MemberlistDecodeError)) throw err;
          }
          if (r && r.done) throw new Error('corrupted stream decoded');
        }
        return true;
      }),
      { numRuns: runs },
    );
  });
});

describe('encode∘decode identity', () => {
  const runs = RUNS_IDENTITY;
  test('alive', () => fc.assert(fc.property(alive, (a) => same(M.decodeAlive(M.encodeAlive(a).subarray(1)), a)), { numRuns: runs }));
  test('suspect/dead', () => fc.assert(fc.property(suspect, (s) => same(M.decodeSuspect(M.encodeSuspect(s).subarray(1)), s)), { numRuns: runs }));
  test('ping', () => fc.assert(fc.property(ping, (p) => same(M.decodePing(M.encodePing(p).subarray(1)), p)), { numRuns: runs }));
  test('indirect ping', () => fc.assert(fc.property(indirect, (p) => same(M.decodeIndirectPing(M.encodeIndirectPing(p).subarray(1)), p)), { numRuns: runs }));
  test('push/pull', () => fc.assert(fc.property(pushPull, (p) => same(M.decodePushPull(M.encodePushPull(p).subarray(1)), p)), { numRuns: runs }));
  test('LZW', () =>
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 2000 }), fc.array(fc.constantFrom(97, 98, 99), { maxLength: 20000 })), (a) =>
        { if (!lzwDecompress(lzwCompress(Buffer.from(a))).equals(Buffer.from(a))) throw new Error('lzw mismatch'); },
      ),
      { numRuns: runs },
    ));
  test('compound', () =>
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a)), { maxLength: 20 }), (parts) => {
        const d = decodeCompound(makeCompoundMessage(parts).subarray(1));
        same({ t: d.truncated, p: d.parts.map((p) => p.toString('hex')) }, { t: 0, p: parts.map((p) => p.toString('hex')) });
      }),
      { numRuns: runs },
    ));
  test('packet pipeline', () =>
    fc.assert(
      fc.property(validMessage, fc.boolean(), fc.boolean(), fc.constantFrom('', 'lab'), (msg, compress, crc, label) => {
        const plain = decodePacket(encodePacket(msg, { keyring, label, compress, crc }), { keyring, label });
        same(unpackMessages(plain).messages.map((x) => x.toString('hex')), [msg.toString('hex')]);
      }),
      { numRuns: runs },
    ));
});
