// Go's compress/lzw (LSB order, literal width 8) written out, because memberlist compresses with it
// and no npm LZW matches Go's code widths, initial clear code and clear-at-4095 behaviour exactly.
import { fail } from './errors';

const LIT_WIDTH = 8;
const CLEAR = 1 << LIT_WIDTH; // 256
const EOF_CODE = CLEAR + 1; // 257
const MAX_CODE = (1 << 12) - 1; // 4095
const MAX_WIDTH = 12;

/** Compresses like Go's `lzw.NewWriter(w, lzw.LSB, 8)` followed by Close(). */
export function lzwCompress(input: Buffer): Buffer {
  const out: number[] = [];
  let bits = 0;
  let nBits = 0;
  let width = LIT_WIDTH + 1;
  let hi = EOF_CODE;
  let overflow = 1 << (LIT_WIDTH + 1);
  let table = new Map<number, number>();
  const write = (c: number): void => {
    bits |= c << nBits;
    nBits += width;
    while (nBits >= 8) {
      out.push(bits & 0xff);
      bits >>>= 8;
      nBits -= 8;
    }
  };
  /** Returns false when the table was reset (Go's errOutOfCodes). */
  const incHi = (): boolean => {
    hi++;
    if (hi === overflow) {
      width++;
      overflow <<= 1;
    }
    if (hi === MAX_CODE) {
      write(CLEAR);
      width = LIT_WIDTH + 1;
      hi = CLEAR + 1;
      overflow = CLEAR << 1;
      table = new Map();
      return false;
    }
    return true;
  };
  write(CLEAR);
  if (input.length > 0) {
    let code = input.readUInt8(0);
    for (let i = 1; i < input.length; i++) {
      const literal = input[i] ?? 0; // i < input.length
      const key = (code << 8) | literal;
      const hit = table.get(key);
      if (hit !== undefined) {
        code = hit;
        continue;
      }
      write(code);
      code = literal;
      if (!incHi()) continue;
      table.set(key, hi);
    }
    write(code);
    incHi();
  }
  write(EOF_CODE);
  if (nBits > 0) out.push(bits & 0xff);
  return Buffer.from(out);
}

/** Decompresses like Go's lzw reader (LSB, 8); requires the EOF code; output bounded by `maxOutput`. */
export function lzwDecompress(input: Buffer, maxOutput = 20 * 1024 * 1024): Buffer {
  const suffix = new Uint8Array(1 << MAX_WIDTH);
  const prefix = new Uint16Array(1 << MAX_WIDTH);
  const scratch = new Uint8Array(1 << MAX_WIDTH);
  const chunks: Buffer[] = [];
  let total = 0;
  let pos = 0;
  let bits = 0;
  let nBits = 0;
  let width = LIT_WIDTH + 1;
  let hi = EOF_CODE;
  let overflow = 1 << width;
  let last = -1;
  for (;;) {
    while (nBits < width) {
      if (pos >= input.length) fail('compression', 'lzw: unexpected end of data');
      bits |= (input[pos++] ?? 0) << nBits; // pos < input.length: checked above
      nBits += 8;
    }
    const code = bits & ((1 << width) - 1);
    bits >>>= width;
    nBits -= width;
    if (code === CLEAR) {
      width = LIT_WIDTH + 1;
      hi = EOF_CODE;
      overflow = 1 << width;
      last = -1;
      continue;
    }
    if (code === EOF_CODE) break;
    let i = scratch.length;
    if (code < CLEAR) {
      scratch[--i] = code;
      if (last !== -1) {
        suffix[hi] = code;
        prefix[hi] = last;
      }
    } else if (code <= hi) {
      let c = code;
      if (code === hi) {
        if (last === -1) fail('compression', 'lzw: invalid code');
        // KwKwK: the last expansion followed by its own first byte.
        c = last;
        while (c >= CLEAR) c = prefix[c] ?? 0; // c <= hi < 1 << MAX_WIDTH
        scratch[--i] = c;
        c = last;
      }
      while (c >= CLEAR) {
        scratch[--i] = suffix[c] ?? 0; // c <= hi < 1 << MAX_WIDTH
        c = prefix[c] ?? 0;
      }
      scratch[--i] = c;
      if (last !== -1) {
        suffix[hi] = c;
        prefix[hi] = last;
      }
    } else {
      fail('compression', 'lzw: invalid code');
    }
    const piece = Buffer.from(scratch.subarray(i));
    total += piece.length;
    if (total > maxOutput) fail('oversized', 'lzw: decompressed data too large');
    chunks.push(piece);
    last = code;
    hi++;
    if (hi >= overflow) {
      if (hi > MAX_CODE) hi = MAX_CODE;
      if (width === MAX_WIDTH) {
        last = -1;
        hi--;
      } else {
        width++;
        overflow = 1 << width;
      }
    }
  }
  return Buffer.concat(chunks, total);
}
