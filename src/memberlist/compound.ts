// Compound messages (type 7): several messages in one UDP packet, exactly as Go's makeCompoundMessage.
import { fail } from './errors';
import { MessageType } from './messages';

export const MAX_COMPOUND_PARTS = 255;
/** Bytes a compound header costs per message (the u16 length). */
export const COMPOUND_OVERHEAD = 2;
/** Bytes a compound header costs once (type + count). */
export const COMPOUND_HEADER_OVERHEAD = 2;

/** `07 | count u8 | count × u16 BE | parts`; at most 255 parts (use makeCompoundMessages for more). */
export function makeCompoundMessage(parts: Buffer[]): Buffer {
  if (parts.length > MAX_COMPOUND_PARTS) throw new RangeError('compound: more than 255 parts');
  const header = Buffer.alloc(2 + parts.length * 2);
  header[0] = MessageType.Compound;
  header[1] = parts.length;
  parts.forEach((p, i) => {
    if (p.length > 0xffff) throw new RangeError('compound: part longer than 65535 bytes');
    header.writeUInt16BE(p.length, 2 + i * 2);
  });
  return Buffer.concat([header, ...parts]);
}

/** Splits into as many compound messages as needed (255 parts each). */
export function makeCompoundMessages(parts: Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < parts.length; i += MAX_COMPOUND_PARTS) out.push(makeCompoundMessage(parts.slice(i, i + MAX_COMPOUND_PARTS)));
  return out;
}

export interface CompoundParts {
  parts: Buffer[];
  /** Parts announced but missing at the end (Go processes the complete ones and warns). */
  truncated: number;
}

/** Decodes a compound body (after the 07 byte). */
export function decodeCompound(buf: Buffer): CompoundParts {
  if (buf.length < 1) fail('truncated', 'compound: missing count');
  const count = buf.readUInt8(0);
  if (buf.length < 1 + count * 2) fail('truncated', 'compound: length table');
  const parts: Buffer[] = [];
  let off = 1 + count * 2;
  let truncated = 0;
  for (let i = 0; i < count; i++) {
    const len = buf.readUInt16BE(1 + i * 2);
    if (off + len > buf.length) {
      truncated = count - i;
      break;
    }
    parts.push(buf.subarray(off, off + len));
    off += len;
  }
  return { parts, truncated };
}
