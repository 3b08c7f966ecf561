// TCP stream framing (push/pull, TCP ping), pure: `0a | u32 len | encrypted(compress(msg))` with the
// 5 header bytes + label as AAD; unencrypted streams are parsed incrementally as bytes arrive.
import { compressMessage, decompressBody } from './compression';
import { Keyring, encryptPayload, encryptedLength } from './crypto';
import { MemberlistDecodeError, fail } from './errors';
import { labelHeader } from './label';
import {
  Ack,
  ErrResp,
  MessageType,
  Ping,
  PushPull,
  decodeAck,
  decodeErr,
  decodePing,
  decodePushPull,
} from './messages';

/** Go's maxPushStateBytes. */
export const MAX_STREAM_BYTES = 20 * 1024 * 1024;

export interface StreamSecurity {
  keyring: Keyring;
  label: string;
  encryptionVersion?: 0 | 1;
}

export type StreamMessage =
  | { type: MessageType.PushPull; value: PushPull }
  | { type: MessageType.Ping; value: Ping }
  | { type: MessageType.Ack; value: Ack }
  | { type: MessageType.Err; value: ErrResp }
  | { type: MessageType.User; value: Buffer };

/** Frames one message for a stream (compressed, then encrypted when a key is installed). */
export function encodeStreamMessage(msg: Buffer, sec: StreamSecurity, compress = true): Buffer {
  const body = compress ? compressMessage(msg) : msg;
  const key = sec.keyring.getPrimaryKey();
  if (!key) return body;
  const vsn = sec.encryptionVersion ?? 1;
  const header = Buffer.alloc(5);
  header[0] = MessageType.Encrypt;
  header.writeUInt32BE(encryptedLength(vsn, body.length), 1);
  const aad = Buffer.concat([header, Buffer.from(sec.label, 'utf8')]);
  return Buffer.concat([header, encryptPayload(vsn, key, body, aad)]);
}

/** What the opener of a stream writes first (nothing without a label). */
export function streamOpening(label: string): Buffer {
  return labelHeader(label);
}

export type StreamParse = { done: false } | { done: true; message: StreamMessage };

function decodeTyped(msg: Buffer): StreamMessage {
  if (msg.length < 1) fail('truncated', 'empty stream message');
  const body = msg.subarray(1);
  switch (msg[0]) {
    case MessageType.PushPull:
      return { type: MessageType.PushPull, value: decodePushPull(body) };
    case MessageType.Ping:
      return { type: MessageType.Ping, value: decodePing(body) };
    case MessageType.Ack:
      return { type: MessageType.Ack, value: decodeAck(body) };
    case MessageType.Err:
      return { type: MessageType.Err, value: decodeErr(body) };
    case MessageType.User:
      return { type: MessageType.User, value: Buffer.from(body) };
    default:
      return fail('unknown-type', `stream message type ${msg[0]}`);
  }
}

/**
 * Tries to decode one stream message from the bytes received so far (label header already removed).
 * Returns {done:false} when more bytes are needed; throws MemberlistDecodeError on bad input.
 */
export function parseStream(buf: Buffer, sec: StreamSecurity): StreamParse {
  if (buf.length < 1) return { done: false };
  if (buf.length > MAX_STREAM_BYTES + 5) fail('oversized', 'stream too large');
  let msg: Buffer;
  let complete: boolean;
  if (buf[0] === MessageType.Encrypt) {
    if (sec.keyring.size === 0) fail('decrypt', 'stream is encrypted and encryption is not configured');
    if (buf.length < 5) return { done: false };
    const len = buf.readUInt32BE(1);
    if (len > MAX_STREAM_BYTES) fail('oversized', `stream state of ${len} bytes`);
    if (buf.length < 5 + len) return { done: false };
    const aad = Buffer.concat([buf.subarray(0, 5), Buffer.from(sec.label, 'utf8')]);
    msg = sec.keyring.decrypt(buf.subarray(5, 5 + len), aad);
    complete = true;
  } else {
    if (sec.keyring.size > 0) fail('decrypt', 'encryption is configured but the stream is not encrypted');
    msg = buf;
    complete = false;
  }
  try {
    if (msg.length < 1) fail('truncated', 'empty stream message');
    if (msg[0] === MessageType.Compress) {
      msg = decompressBody(msg.subarray(1), MAX_STREAM_BYTES).message;
      complete = true;
    }
    return { done: true, message: decodeTyped(msg) };
  } catch (err) {
    if (!complete && err instanceof MemberlistDecodeError && err.reason === 'truncated') return { done: false };
    throw err;
  }
}

/** Splits a label header off the start of an accepted stream; undefined = need more bytes. */
export function parseStreamLabel(buf: Buffer): { label: string; rest: Buffer } | undefined {
  if (buf.length < 1) return undefined;
  if (buf[0] !== MessageType.HasLabel) return { label: '', rest: buf };
  if (buf.length < 2) return undefined;
  const size = buf.readUInt8(1);
  if (size < 1) fail('label', 'empty label header');
  if (buf.length < 2 + size) return undefined;
  return { label: buf.subarray(2, 2 + size).toString('utf8'), rest: buf.subarray(2 + size) };
}
