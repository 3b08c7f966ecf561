// Label header (type 244): `f4 | len u8 | label`, outside encryption; lets clusters share a network.
import { fail } from './errors';
import { MessageType } from './messages';

export const MAX_LABEL_LENGTH = 255;

export function validateLabel(label: string): void {
  const len = Buffer.byteLength(label, 'utf8');
  if (len > MAX_LABEL_LENGTH) throw new RangeError(`memberlist label longer than ${MAX_LABEL_LENGTH} bytes`);
}

export function labelHeader(label: string): Buffer {
  if (label === '') return Buffer.alloc(0);
  validateLabel(label);
  const b = Buffer.from(label, 'utf8');
  return Buffer.concat([Buffer.from([MessageType.HasLabel, b.length]), b]);
}

export function addLabel(buf: Buffer, label: string): Buffer {
  return label === '' ? buf : Buffer.concat([labelHeader(label), buf]);
}

/** Splits off a label header if present; "" when there is none. */
export function removeLabel(buf: Buffer): { label: string; rest: Buffer } {
  if (buf.length < 1 || buf[0] !== MessageType.HasLabel) return { label: '', rest: buf };
  if (buf.length < 2) fail('truncated', 'label header');
  const size = buf.readUInt8(1);
  if (size < 1) fail('label', 'empty label header');
  if (buf.length < 2 + size) fail('truncated', 'label');
  return { label: buf.subarray(2, 2 + size).toString('utf8'), rest: buf.subarray(2 + size) };
}
