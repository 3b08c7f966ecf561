// Hand-written msgpack for memberlist: Go's memberlist needs the old "raw" family (a0/da/db) for
// strings AND byte slices, never str8 (d9) or bin (c4…), which no npm msgpack encoder emits; the
// decoder keeps every str/bin as raw bytes because IPs and Vsn travel inside str markers.
import { fail } from './errors';

/** A decoded msgpack value; strings and binaries stay raw bytes. */
export type MsgValue = null | boolean | number | Buffer | MsgValue[] | MsgMap;
export type MsgMap = Map<string, MsgValue>;

/** What the encoder accepts: string → raw (UTF-8), Buffer → raw, number → integer, object → map. */
export type EncValue = null | boolean | number | string | Buffer | EncValue[] | { [key: string]: EncValue | undefined };

const MAX_DEPTH = 32;

class ByteWriter {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }
  u16(v: number): void {
    this.ensure(2);
    this.buf.writeUInt16BE(v, this.len);
    this.len += 2;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32BE(v, this.len);
    this.len += 4;
  }
  bytes(b: Buffer): void {
    this.ensure(b.length);
    b.copy(this.buf, this.len);
    this.len += b.length;
  }
  result(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}

function writeRaw(w: ByteWriter, b: Buffer): void {
  if (b.length < 32) w.u8(0xa0 | b.length);
  else if (b.length <= 0xffff) {
    w.u8(0xda);
    w.u16(b.length);
  } else {
    w.u8(0xdb);
    w.u32(b.length);
  }
  w.bytes(b);
}

function writeInt(w: ByteWriter, v: number): void {
  if (!Number.isInteger(v)) throw new TypeError(`msgpack-raw: not an integer: ${v}`);
  if (v >= 0) {
    if (v <= 0x7f) w.u8(v);
    else if (v <= 0xff) {
      w.u8(0xcc);
      w.u8(v);
    } else if (v <= 0xffff) {
      w.u8(0xcd);
      w.u16(v);
    } else if (v <= 0xffffffff) {
      w.u8(0xce);
      w.u32(v);
    } else {
      w.u8(0xcf);
      w.u32(Math.floor(v / 2 ** 32));
      w.u32(v >>> 0);
    }
    return;
  }
  if (v >= -32) w.u8(v & 0xff);
  else if (v >= -0x80) {
    w.u8(0xd0);
    w.u8(v & 0xff);
  } else if (v >= -0x8000) {
    w.u8(0xd1);
    w.u16(v & 0xffff);
  } else if (v >= -0x80000000) {
    w.u8(0xd2);
    w.u32(v >>> 0);
  } else throw new TypeError(`msgpack-raw: integer out of range: ${v}`);
}

function writeValue(w: ByteWriter, v: EncValue, depth: number): void {
  if (depth > MAX_DEPTH) throw new TypeError('msgpack-raw: value too deep');
  if (v === null) w.u8(0xc0);
  else if (typeof v === 'boolean') w.u8(v ? 0xc3 : 0xc2);
  else if (typeof v === 'number') writeInt(w, v);
  else if (typeof v === 'string') writeRaw(w, Buffer.from(v, 'utf8'));
  else if (Buffer.isBuffer(v)) writeRaw(w, v);
  else if (Array.isArray(v)) {
    if (v.length < 16) w.u8(0x90 | v.length);
    else {
      w.u8(0xdc);
      w.u16(v.length);
    }
    for (const item of v) writeValue(w, item, depth + 1);
  } else {
    // Go's codec writes struct fields sorted byte-wise by name; keys here are ASCII field names.
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (keys.length < 16) w.u8(0x80 | keys.length);
    else {
      w.u8(0xde);
      w.u16(keys.length);
    }
    for (const k of keys) {
      writeRaw(w, Buffer.from(k, 'utf8'));
      writeValue(w, v[k] as EncValue, depth + 1);
    }
  }
}

/** Encodes one value (maps with sorted keys; `undefined` fields omitted like Go's omitempty). */
export function encodeMsgpack(v: EncValue): Buffer {
  const w = new ByteWriter();
  writeValue(w, v, 0);
  return w.result();
}

/** Sequential msgpack reader over a buffer; throws MemberlistDecodeError('truncated'|'malformed'). */
export class MsgpackReader {
  constructor(
    readonly buf: Buffer,
    public offset = 0,
  ) {}

  private need(n: number): void {
    if (this.offset + n > this.buf.length) fail('truncated', `need ${n} bytes at ${this.offset} of ${this.buf.length}`);
  }
  private u8(): number {
    this.need(1);
    return this.buf.readUInt8(this.offset++);
  }
  private u16(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  private u32(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  private take(n: number): Buffer {
    this.need(n);
    const b = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return b;
  }

  /** Reads the next complete value. */
  read(depth = 0): MsgValue {
    if (depth > MAX_DEPTH) fail('malformed', 'msgpack nesting too deep');
    const t = this.u8();
    if (t <= 0x7f) return t;
    if (t >= 0xe0) return t - 0x100;
    if ((t & 0xf0) === 0x80) return this.readMap(t & 0x0f, depth);
    if ((t & 0xf0) === 0x90) return this.readArray(t & 0x0f, depth);
    if ((t & 0xe0) === 0xa0) return this.take(t & 0x1f);
    switch (t) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
      case 0xd9:
        return this.take(this.u8());
      case 0xc5:
      case 0xda:
        return this.take(this.u16());
      case 0xc6:
      case 0xdb:
        return this.take(this.u32());
      case 0xca: {
        this.need(4);
        const v = this.buf.readFloatBE(this.offset);
        this.offset += 4;
        return v;
      }
      case 0xcb: {
        this.need(8);
        const v = this.buf.readDoubleBE(this.offset);
        this.offset += 8;
        return v;
      }
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf: {
        const hi = this.u32();
        return hi * 2 ** 32 + this.u32();
      }
      case 0xd0:
        return (this.u8() << 24) >> 24;
      case 0xd1:
        return (this.u16() << 16) >> 16;
      case 0xd2:
        return this.u32() | 0;
      case 0xd3: {
        this.need(8);
        const v = Number(this.buf.readBigInt64BE(this.offset));
        this.offset += 8;
        return v;
      }
      case 0xdc:
        return this.readArray(this.u16(), depth);
      case 0xdd:
        return this.readArray(this.u32(), depth);
      case 0xde:
        return this.readMap(this.u16(), depth);
      case 0xdf:
        return this.readMap(this.u32(), depth);
      default:
        return fail('malformed', `unsupported msgpack marker 0x${t.toString(16)}`);
    }
  }

  private readArray(n: number, depth: number): MsgValue[] {
    // Each element takes at least one byte: a count beyond the buffer is truncation, not an allocation.
    if (n > this.buf.length - this.offset) fail('truncated', `array of ${n} exceeds buffer`);
    const out: MsgValue[] = [];
    for (let i = 0; i < n; i++) out.push(this.read(depth + 1));
    return out;
  }

  private readMap(n: number, depth: number): MsgMap {
    if (n * 2 > this.buf.length - this.offset) fail('truncated', `map of ${n} exceeds buffer`);
    const out: MsgMap = new Map();
    for (let i = 0; i < n; i++) {
      const k = this.read(depth + 1);
      if (!Buffer.isBuffer(k)) fail('malformed', 'map key is not a string');
      out.set(k.toString('latin1'), this.read(depth + 1));
    }
    return out;
  }
}

/** Decodes exactly one value starting at `offset`; returns it and the offset after it. */
export function decodeMsgpack(buf: Buffer, offset = 0): { value: MsgValue; offset: number } {
  const r = new MsgpackReader(buf, offset);
  const value = r.read();
  return { value, offset: r.offset };
}
