// Reads one memberlist stream message from a TCP socket with a deadline and size bound.
import { MemberlistDecodeError, fail } from './errors';
import { MAX_STREAM_BYTES, StreamMessage, StreamSecurity, parseStream, parseStreamLabel } from './stream';
import type { StreamSocket } from './transport';

export interface ReadStreamOptions {
  timeoutMs: number;
  /** Accepted streams start with the opener's label header (checked against sec.label). */
  expectLabel: boolean;
}

/** Resolves with the first message; rejects with MemberlistDecodeError on bad input, Error on I/O. */
export function readStreamMessage(socket: StreamSocket, sec: StreamSecurity, opts: ReadStreamOptions): Promise<StreamMessage> {
  return new Promise((resolve, reject) => {
    let buf: Buffer = Buffer.alloc(0);
    let labelChecked = !opts.expectLabel;
    let settled = false;
    const finish = (err: Error | undefined, msg?: StreamMessage): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('error', onError);
      socket.off('close', onEnd);
      if (err) reject(err);
      else resolve(msg as StreamMessage);
    };
    const timer = setTimeout(() => finish(new Error('memberlist: stream read timed out')), Math.max(1, opts.timeoutMs));
    const tryParse = (): void => {
      try {
        if (!labelChecked) {
          const l = parseStreamLabel(buf);
          if (!l) return;
          if (l.label !== sec.label) fail('label', `stream label ${JSON.stringify(l.label)} does not match`);
          buf = l.rest;
          labelChecked = true;
        }
        const r = parseStream(buf, sec);
        if (r.done) finish(undefined, r.message);
      } catch (err) {
        finish(err instanceof Error ? err : new Error(String(err)));
      }
    };
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      if (buf.length > MAX_STREAM_BYTES + 512) {
        finish(new MemberlistDecodeError('oversized', 'stream larger than limit'));
        return;
      }
      tryParse();
    };
    const onEnd = (): void => {
      if (settled) return;
      tryParse();
      if (!settled) finish(buf.length === 0 ? new Error('memberlist: stream closed') : new MemberlistDecodeError('truncated', 'stream ended early'));
    };
    const onError = (err: Error): void => finish(err);
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
    socket.on('error', onError);
  });
}

/** Writes and resolves once flushed (or rejects on error). */
export function writeAll(socket: StreamSocket, data: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.write(data, (err) => (err ? reject(err) : resolve()));
  });
}
