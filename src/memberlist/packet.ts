// The UDP packet pipeline, pure: compress → CRC → encrypt → label on send; the reverse on receive,
// then compound/compress unwrapping into the individual messages.
import { COMPOUND_OVERHEAD } from './compound';
import { decodeCompound } from './compound';
import { compressMessage, decompressBody } from './compression';
import { addCrc, stripCrc } from './crc';
import { ENCRYPT_OVERHEAD, Keyring, encryptPayload } from './crypto';
import { fail } from './errors';
import { addLabel, removeLabel } from './label';
import { MessageType } from './messages';

export { COMPOUND_OVERHEAD };

export interface PacketSecurity {
  /** Keys; an empty keyring means clear text. */
  keyring: Keyring;
  /** "" = no label header. */
  label: string;
  /** Encryption version for sending (1 unless speaking protocol 1). */
  encryptionVersion?: 0 | 1;
}

export interface EncodePacketOptions extends PacketSecurity {
  compress: boolean;
  /** Add a CRC (only towards peers whose protocol max ≥ 5). */
  crc: boolean;
}

/** Largest UDP datagram accepted before any parsing. */
export const MAX_PACKET_BYTES = 65_535;
/** Largest decompressed UDP message. */
export const MAX_DECOMPRESSED_PACKET_BYTES = 10 * 1024 * 1024;
/** compress/compound nesting limit (Go has none; a hostile packet could otherwise recurse). */
const MAX_NESTING = 8;

export function encryptOverhead(security: PacketSecurity): number {
  return security.keyring.size > 0 ? ENCRYPT_OVERHEAD + ((security.encryptionVersion ?? 1) === 0 ? 16 : 0) : 0;
}

export function labelOverhead(label: string): number {
  return label === '' ? 0 : 2 + Buffer.byteLength(label, 'utf8');
}

export function encodePacket(msg: Buffer, opts: EncodePacketOptions): Buffer {
  let out = msg;
  if (opts.compress) {
    const c = compressMessage(out);
    if (c.length < out.length) out = c;
  }
  if (opts.crc) out = addCrc(out);
  const key = opts.keyring.getPrimaryKey();
  if (key) out = encryptPayload(opts.encryptionVersion ?? 1, key, out, Buffer.from(opts.label, 'utf8'));
  return addLabel(out, opts.label);
}

/** Label check → decrypt → CRC check; returns the (maybe compound/compressed) message. */
export function decodePacket(buf: Buffer, sec: PacketSecurity): Buffer {
  if (buf.length > MAX_PACKET_BYTES) fail('oversized', `packet of ${buf.length} bytes`);
  const { label, rest } = removeLabel(buf);
  if (label !== sec.label) fail('label', `packet label ${JSON.stringify(label)} does not match`);
  let plain = rest;
  if (sec.keyring.size > 0) plain = sec.keyring.decrypt(rest, Buffer.from(label, 'utf8'));
  plain = stripCrc(plain);
  if (plain.length < 1) fail('truncated', 'empty message');
  return plain;
}

export interface UnpackedMessages {
  /** Leaf messages, each starting with its type byte. */
  messages: Buffer[];
  /** Compound parts that were announced but missing. */
  truncated: number;
}

/** Flattens compound and compress wrappers into leaf messages (bounded nesting). */
export function unpackMessages(msg: Buffer, depth = 0): UnpackedMessages {
  if (depth > MAX_NESTING) fail('malformed', 'message nesting too deep');
  if (msg.length < 1) fail('truncated', 'empty message');
  const type = msg[0];
  if (type === MessageType.Compound) {
    const { parts, truncated } = decodeCompound(msg.subarray(1));
    const out: UnpackedMessages = { messages: [], truncated };
    for (const p of parts) {
      const inner = unpackMessages(p, depth + 1);
      out.messages.push(...inner.messages);
      out.truncated += inner.truncated;
    }
    return out;
  }
  if (type === MessageType.Compress) {
    const { message } = decompressBody(msg.subarray(1), MAX_DECOMPRESSED_PACKET_BYTES);
    return unpackMessages(message, depth + 1);
  }
  if (type === MessageType.HasCrc) return unpackMessages(stripCrc(msg), depth + 1);
  return { messages: [msg], truncated: 0 };
}
