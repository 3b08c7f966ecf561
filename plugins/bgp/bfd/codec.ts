// Pure BFD Control packet codec (RFC 5880 §4.1, reception checks of §6.8.6): Buffer ⇄ BfdControlPacket, BfdDecodeError only.

export const BFD_VERSION = 1;
export const BFD_MANDATORY_LENGTH = 24;

/** Session states, as on the wire (RFC 5880 §4.1 "Sta"). */
export const BfdState = { AdminDown: 0, Down: 1, Init: 2, Up: 3 } as const;
export type BfdStateValue = (typeof BfdState)[keyof typeof BfdState];
export const BFD_STATE_NAMES = ['AdminDown', 'Down', 'Init', 'Up'] as const;

/** Diagnostic codes (RFC 5880 §4.1 "Diag"). */
export const BfdDiag = {
  None: 0,
  ControlDetectionTimeExpired: 1,
  EchoFunctionFailed: 2,
  NeighborSignaledSessionDown: 3,
  ForwardingPlaneReset: 4,
  PathDown: 5,
  ConcatenatedPathDown: 6,
  AdministrativelyDown: 7,
  ReverseConcatenatedPathDown: 8,
} as const;

/** The optional authentication section, kept as written (type, then the bytes after the length octet). */
export interface BfdAuth {
  type: number;
  data: Buffer;
}

export interface BfdControlPacket {
  diag: number;
  state: BfdStateValue;
  poll: boolean;
  final: boolean;
  controlPlaneIndependent: boolean;
  demand: boolean;
  detectMult: number;
  myDiscriminator: number;
  yourDiscriminator: number;
  /** Microseconds. */
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  requiredMinEchoRxUs: number;
  auth?: BfdAuth;
}

export type BfdDecodeReason =
  | 'truncated'
  | 'version'
  | 'length'
  | 'detect-mult-zero'
  | 'multipoint'
  | 'my-discriminator-zero'
  | 'your-discriminator-zero'
  | 'auth-section';

/** The only error decode throws: why the packet must be discarded. */
export class BfdDecodeError extends Error {
  constructor(
    readonly reason: BfdDecodeReason,
    message: string,
  ) {
    super(message);
    this.name = 'BfdDecodeError';
  }
}

const fail = (reason: BfdDecodeReason, message: string): never => {
  throw new BfdDecodeError(reason, message);
};

/** Decodes one Control packet (the UDP payload); trailing bytes beyond Length are ignored, as RFC 5880 allows. */
export function decodeBfdControl(buf: Buffer): BfdControlPacket {
  if (buf.length < BFD_MANDATORY_LENGTH) fail('truncated', `packet of ${buf.length} bytes is shorter than ${BFD_MANDATORY_LENGTH}`);
  const version = buf.readUInt8(0) >> 5;
  if (version !== BFD_VERSION) fail('version', `version ${version}, expected ${BFD_VERSION}`);
  const flags = buf.readUInt8(1);
  const authPresent = (flags & 0x04) !== 0;
  const length = buf.readUInt8(3);
  const minLength = authPresent ? BFD_MANDATORY_LENGTH + 2 : BFD_MANDATORY_LENGTH;
  if (length < minLength) fail('length', `Length ${length} is below ${minLength}`);
  if (length > buf.length) fail('length', `Length ${length} exceeds the ${buf.length}-byte payload`);
  if (!authPresent && length !== BFD_MANDATORY_LENGTH) fail('length', `Length ${length} without an authentication section must be ${BFD_MANDATORY_LENGTH}`);
  const detectMult = buf.readUInt8(2);
  if (detectMult === 0) fail('detect-mult-zero', 'Detect Mult is zero');
  if ((flags & 0x01) !== 0) fail('multipoint', 'Multipoint bit is set');
  const state = (flags >> 6) as BfdStateValue;
  const myDiscriminator = buf.readUInt32BE(4);
  const yourDiscriminator = buf.readUInt32BE(8);
  if (myDiscriminator === 0) fail('my-discriminator-zero', 'My Discriminator is zero');
  if (yourDiscriminator === 0 && state !== BfdState.Down && state !== BfdState.AdminDown) {
    fail('your-discriminator-zero', `Your Discriminator is zero in state ${BFD_STATE_NAMES[state]}`);
  }
  const packet: BfdControlPacket = {
    diag: buf.readUInt8(0) & 0x1f,
    state,
    poll: (flags & 0x20) !== 0,
    final: (flags & 0x10) !== 0,
    controlPlaneIndependent: (flags & 0x08) !== 0,
    demand: (flags & 0x02) !== 0,
    detectMult,
    myDiscriminator,
    yourDiscriminator,
    desiredMinTxUs: buf.readUInt32BE(12),
    requiredMinRxUs: buf.readUInt32BE(16),
    requiredMinEchoRxUs: buf.readUInt32BE(20),
  };
  if (authPresent) {
    const authLen = buf.readUInt8(BFD_MANDATORY_LENGTH + 1);
    if (authLen < 2 || BFD_MANDATORY_LENGTH + authLen !== length) {
      fail('auth-section', `Auth Len ${authLen} does not fill the packet Length ${length}`);
    }
    packet.auth = { type: buf.readUInt8(BFD_MANDATORY_LENGTH), data: Buffer.from(buf.subarray(BFD_MANDATORY_LENGTH + 2, length)) };
  }
  return packet;
}

/** Encodes a Control packet; throws RangeError for values that do not fit their fields. */
export function encodeBfdControl(p: BfdControlPacket): Buffer {
  const authLen = p.auth ? p.auth.data.length + 2 : 0;
  if (authLen > 255 - BFD_MANDATORY_LENGTH) throw new RangeError('authentication section too long');
  const checkInt = (name: string, v: number, max: number): void => {
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`${name} ${v} out of range 0..${max}`);
  };
  checkInt('diag', p.diag, 31);
  checkInt('state', p.state, 3);
  checkInt('detectMult', p.detectMult, 255);
  for (const [name, v] of [
    ['myDiscriminator', p.myDiscriminator],
    ['yourDiscriminator', p.yourDiscriminator],
    ['desiredMinTxUs', p.desiredMinTxUs],
    ['requiredMinRxUs', p.requiredMinRxUs],
    ['requiredMinEchoRxUs', p.requiredMinEchoRxUs],
  ] as const) {
    checkInt(name, v, 0xffffffff);
  }
  if (p.auth) checkInt('auth.type', p.auth.type, 255);
  const length = BFD_MANDATORY_LENGTH + authLen;
  const buf = Buffer.alloc(length);
  buf[0] = (BFD_VERSION << 5) | p.diag;
  buf[1] =
    (p.state << 6) |
    (p.poll ? 0x20 : 0) |
    (p.final ? 0x10 : 0) |
    (p.controlPlaneIndependent ? 0x08 : 0) |
    (p.auth ? 0x04 : 0) |
    (p.demand ? 0x02 : 0);
  buf[2] = p.detectMult;
  buf[3] = length;
  buf.writeUInt32BE(p.myDiscriminator, 4);
  buf.writeUInt32BE(p.yourDiscriminator, 8);
  buf.writeUInt32BE(p.desiredMinTxUs, 12);
  buf.writeUInt32BE(p.requiredMinRxUs, 16);
  buf.writeUInt32BE(p.requiredMinEchoRxUs, 20);
  if (p.auth) {
    buf[BFD_MANDATORY_LENGTH] = p.auth.type;
    buf[BFD_MANDATORY_LENGTH + 1] = authLen;
    p.auth.data.copy(buf, BFD_MANDATORY_LENGTH + 2);
  }
  return buf;
}
