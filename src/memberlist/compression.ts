// The compress message (type 9): `09 | msgpack{Algo: 0 (LZW), Buf}` wrapping another message.
import { fail } from './errors';
import { lzwCompress, lzwDecompress } from './lzw';
import { MessageType } from './messages';
import { MsgpackReader, encodeMsgpack } from './msgpack-raw';

const LZW_ALGO = 0;

export function compressMessage(msg: Buffer): Buffer {
  return Buffer.concat([Buffer.from([MessageType.Compress]), encodeMsgpack({ Algo: LZW_ALGO, Buf: lzwCompress(msg) })]);
}

/** Decodes a compress body (after the 09 byte) into the inner message; `consumed` = body bytes used. */
export function decompressBody(buf: Buffer, maxOutput?: number): { message: Buffer; consumed: number } {
  const r = new MsgpackReader(buf);
  const v = r.read();
  if (!(v instanceof Map)) fail('malformed', 'compress: body is not a map');
  const algo = v.get('Algo') ?? 0;
  if (algo !== LZW_ALGO) fail('compression', `compress: unknown algorithm ${String(algo)}`);
  const data = v.get('Buf');
  if (!Buffer.isBuffer(data)) fail('malformed', 'compress: Buf is not bytes');
  return { message: lzwDecompress(data, maxOutput), consumed: r.offset };
}
