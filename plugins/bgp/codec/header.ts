// The 19-byte BGP header: marker, length, type; validated before any body is parsed.
import { BgpDecodeError, ErrorCode, HeaderSubcode } from './errors';
import { HEADER_LENGTH, MARKER, MAX_MESSAGE_LENGTH, MessageType } from './constants';

export interface BgpHeader {
  length: number;
  type: number;
}

/** Minimum total length per message type (RFC 4271 §6.1). */
const MIN_LENGTH: Record<number, number> = {
  [MessageType.Open]: 29,
  [MessageType.Update]: 23,
  [MessageType.Notification]: 21,
  [MessageType.Keepalive]: 19,
  [MessageType.RouteRefresh]: 23,
};

export function encodeHeader(type: number, bodyLength: number): Buffer {
  const total = HEADER_LENGTH + bodyLength;
  if (total > MAX_MESSAGE_LENGTH) throw new RangeError(`BGP message of ${total} bytes exceeds ${MAX_MESSAGE_LENGTH}`);
  const buf = Buffer.alloc(HEADER_LENGTH);
  MARKER.copy(buf, 0);
  buf.writeUInt16BE(total, 16);
  buf.writeUInt8(type, 18);
  return buf;
}

/** Wraps a body into a full message. */
export function frame(type: number, body: Buffer): Buffer {
  return Buffer.concat([encodeHeader(type, body.length), body]);
}

/** Validates the header at the start of `buf` (which must hold ≥ 19 bytes). */
export function decodeHeader(buf: Buffer): BgpHeader {
  if (buf.length < HEADER_LENGTH) {
    throw new BgpDecodeError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `header truncated: ${buf.length} bytes`);
  }
  for (let i = 0; i < 16; i++) {
    if (buf[i] !== 0xff) throw new BgpDecodeError(ErrorCode.MessageHeader, HeaderSubcode.ConnectionNotSynchronized, 'marker is not all ones');
  }
  const length = buf.readUInt16BE(16);
  const type = buf.readUInt8(18);
  const lenData = buf.subarray(16, 18);
  if (length < HEADER_LENGTH || length > MAX_MESSAGE_LENGTH) {
    throw new BgpDecodeError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `bad message length ${length}`, Buffer.from(lenData));
  }
  const min = MIN_LENGTH[type];
  if (min === undefined) {
    throw new BgpDecodeError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageType, `bad message type ${type}`, Buffer.from([type]));
  }
  if (length < min || (type === MessageType.Keepalive && length !== HEADER_LENGTH)) {
    throw new BgpDecodeError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `bad length ${length} for type ${type}`, Buffer.from(lenData));
  }
  return { length, type };
}

/**
 * Splits a TCP byte stream into whole messages. `push` returns the complete messages so far;
 * a bad header throws BgpDecodeError (the stream cannot be resynchronised after that).
 */
export class MessageFramer {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const out: Buffer[] = [];
    let off = 0;
    while (this.pending.length - off >= HEADER_LENGTH) {
      const { length } = decodeHeader(this.pending.subarray(off, off + HEADER_LENGTH));
      if (this.pending.length - off < length) break;
      out.push(this.pending.subarray(off, off + length));
      off += length;
    }
    this.pending = this.pending.subarray(off);
    return out;
  }

  /** Bytes received but not yet a whole message. */
  get buffered(): number {
    return this.pending.length;
  }
}
