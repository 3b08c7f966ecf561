// One typed error for every malformed frame so callers can drop bad input without catching bugs.

/** Thrown by layer-2 decoders (and only by them) when a frame is not what it claims to be. */
export class Layer2DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'Layer2DecodeError';
  }
}

export function need(buf: Buffer, len: number, what: string): void {
  if (buf.length < len) throw new Layer2DecodeError(`${what}: need ${len} bytes, got ${buf.length}`);
}
