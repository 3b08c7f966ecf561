// CRC framing (type 12): `0c | crc32-IEEE(rest) u32 BE | rest`; Node's zlib.crc32 is the IEEE polynomial.
import { crc32 } from 'node:zlib';
import { fail } from './errors';
import { MessageType } from './messages';

export function addCrc(msg: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header[0] = MessageType.HasCrc;
  header.writeUInt32BE(crc32(msg) >>> 0, 1);
  return Buffer.concat([header, msg]);
}

/** If `buf` is CRC-framed, verifies and strips it; otherwise returns it unchanged. */
export function stripCrc(buf: Buffer): Buffer {
  if (buf.length < 1 || buf[0] !== MessageType.HasCrc) return buf;
  if (buf.length < 5) fail('truncated', 'crc header');
  const rest = buf.subarray(5);
  if ((crc32(rest) >>> 0) !== buf.readUInt32BE(1)) fail('crc', 'checksum mismatch');
  return rest;
}
