// Typed encode/decode of every memberlist message body (type byte + msgpack map with Go field names).
import { fail } from './errors';
import { EncValue, MsgMap, MsgValue, MsgpackReader, encodeMsgpack } from './msgpack-raw';

export enum MessageType {
  Ping = 0,
  IndirectPing = 1,
  Ack = 2,
  Suspect = 3,
  Alive = 4,
  Dead = 5,
  PushPull = 6,
  Compound = 7,
  User = 8,
  Compress = 9,
  Encrypt = 10,
  Nack = 11,
  HasCrc = 12,
  Err = 13,
  HasLabel = 244,
}

export enum NodeStateType {
  Alive = 0,
  Suspect = 1,
  Dead = 2,
  Left = 3,
}

export interface Ping {
  seqNo: number;
  node: string;
  sourceAddr?: Buffer;
  sourcePort?: number;
  sourceNode?: string;
}
export interface IndirectPing {
  seqNo: number;
  target: Buffer;
  port: number;
  node: string;
  nack: boolean;
  sourceAddr?: Buffer;
  sourcePort?: number;
  sourceNode?: string;
}
export interface Ack {
  seqNo: number;
  payload: Buffer | null;
}
export interface Nack {
  seqNo: number;
}
export interface ErrResp {
  error: string;
}
export interface Suspect {
  incarnation: number;
  node: string;
  from: string;
}
export type Dead = Suspect;
export interface Alive {
  incarnation: number;
  node: string;
  addr: Buffer;
  port: number;
  meta: Buffer | null;
  vsn: Buffer;
}
export interface PushNodeState {
  name: string;
  addr: Buffer;
  port: number;
  meta: Buffer | null;
  incarnation: number;
  state: NodeStateType;
  vsn: Buffer;
}
export interface PushPull {
  join: boolean;
  nodes: PushNodeState[];
  userState: Buffer;
}

/** The Vsn we send: protocol min 1, max 5, current 2; delegate 0/0/0 (always all 6 bytes). */
export const DEFAULT_VSN = Buffer.from([1, 5, 2, 0, 0, 0]);

// ---- field readers: Go zero values for missing or nil fields, typed errors otherwise ----

function asMap(v: MsgValue, what: string): MsgMap {
  if (!(v instanceof Map)) fail('malformed', `${what}: body is not a map`);
  return v;
}
function uint(m: MsgMap, key: string, max: number): number {
  const v = m.get(key);
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) fail('malformed', `${key}: not a uint ≤ ${max}`);
  return v;
}
function bytes(m: MsgMap, key: string): Buffer {
  const v = m.get(key);
  if (v === undefined || v === null) return Buffer.alloc(0);
  if (!Buffer.isBuffer(v)) fail('malformed', `${key}: not a string`);
  return Buffer.from(v);
}
function nullableBytes(m: MsgMap, key: string): Buffer | null {
  const v = m.get(key);
  if (v === undefined || v === null) return null;
  if (!Buffer.isBuffer(v)) fail('malformed', `${key}: not a string`);
  return Buffer.from(v);
}
function text(m: MsgMap, key: string): string {
  return bytes(m, key).toString('utf8');
}
function bool(m: MsgMap, key: string): boolean {
  const v = m.get(key);
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') fail('malformed', `${key}: not a bool`);
  return v;
}
function optionalBytes(b: Buffer | undefined): Buffer | undefined {
  return b && b.length > 0 ? b : undefined;
}

const U16 = 0xffff;
const U32 = 0xffffffff;

/** The optional SourceAddr/SourcePort/SourceNode fields of ping and indirect ping, left out when empty/zero. */
function sourceFields(p: { sourceAddr?: Buffer; sourcePort?: number; sourceNode?: string }): Record<string, EncValue | undefined> {
  return { SourceAddr: optionalBytes(p.sourceAddr), SourcePort: p.sourcePort ? p.sourcePort : undefined, SourceNode: p.sourceNode ? p.sourceNode : undefined };
}

function frame(type: MessageType, body: EncValue): Buffer {
  return Buffer.concat([Buffer.from([type]), encodeMsgpack(body)]);
}

// ---- encoders: type byte + body ----

export function encodePing(p: Ping): Buffer {
  return frame(MessageType.Ping, {
    SeqNo: p.seqNo,
    Node: p.node,
    ...sourceFields(p),
  });
}
export function encodeIndirectPing(p: IndirectPing): Buffer {
  return frame(MessageType.IndirectPing, {
    SeqNo: p.seqNo,
    Target: p.target,
    Port: p.port,
    Node: p.node,
    Nack: p.nack,
    ...sourceFields(p),
  });
}
export function encodeAck(a: Ack): Buffer {
  return frame(MessageType.Ack, { SeqNo: a.seqNo, Payload: a.payload });
}
export function encodeNack(n: Nack): Buffer {
  return frame(MessageType.Nack, { SeqNo: n.seqNo });
}
export function encodeErr(e: ErrResp): Buffer {
  return frame(MessageType.Err, { Error: e.error });
}
export function encodeSuspect(s: Suspect): Buffer {
  return frame(MessageType.Suspect, { Incarnation: s.incarnation, Node: s.node, From: s.from });
}
export function encodeDead(d: Dead): Buffer {
  return frame(MessageType.Dead, { Incarnation: d.incarnation, Node: d.node, From: d.from });
}
export function encodeAlive(a: Alive): Buffer {
  return frame(MessageType.Alive, {
    Incarnation: a.incarnation,
    Node: a.node,
    Addr: a.addr,
    Port: a.port,
    Meta: a.meta,
    Vsn: a.vsn,
  });
}
export function encodePushPull(p: PushPull): Buffer {
  const parts: Buffer[] = [
    Buffer.from([MessageType.PushPull]),
    encodeMsgpack({ Nodes: p.nodes.length, UserStateLen: p.userState.length, Join: p.join }),
  ];
  for (const n of p.nodes) {
    parts.push(
      encodeMsgpack({
        Name: n.name,
        Addr: n.addr,
        Port: n.port,
        Meta: n.meta,
        Incarnation: n.incarnation,
        State: n.state,
        Vsn: n.vsn,
      }),
    );
  }
  parts.push(p.userState);
  return Buffer.concat(parts);
}

// ---- decoders: body only (the type byte already removed); throw MemberlistDecodeError ----

function body(buf: Buffer, what: string): MsgMap {
  const r = new MsgpackReader(buf);
  return asMap(r.read(), what);
}

/** The optional SourceAddr/SourcePort/SourceNode fields of ping and indirect ping (absent when empty/zero). */
function withSource<T extends { sourceAddr?: Buffer; sourcePort?: number; sourceNode?: string }>(p: T, m: MsgMap): T {
  const sa = bytes(m, 'SourceAddr');
  if (sa.length > 0) p.sourceAddr = sa;
  const sp = uint(m, 'SourcePort', U16);
  if (sp > 0) p.sourcePort = sp;
  const sn = text(m, 'SourceNode');
  if (sn) p.sourceNode = sn;
  return p;
}

export function decodePing(buf: Buffer): Ping {
  const m = body(buf, 'ping');
  const p: Ping = { seqNo: uint(m, 'SeqNo', U32), node: text(m, 'Node') };
  return withSource(p, m);
}
export function decodeIndirectPing(buf: Buffer): IndirectPing {
  const m = body(buf, 'indirectPing');
  const p: IndirectPing = {
    seqNo: uint(m, 'SeqNo', U32),
    target: bytes(m, 'Target'),
    port: uint(m, 'Port', U16),
    node: text(m, 'Node'),
    nack: bool(m, 'Nack'),
  };
  return withSource(p, m);
}
export function decodeAck(buf: Buffer): Ack {
  const m = body(buf, 'ack');
  return { seqNo: uint(m, 'SeqNo', U32), payload: nullableBytes(m, 'Payload') };
}
export function decodeNack(buf: Buffer): Nack {
  return { seqNo: uint(body(buf, 'nack'), 'SeqNo', U32) };
}
export function decodeErr(buf: Buffer): ErrResp {
  return { error: text(body(buf, 'err'), 'Error') };
}
export function decodeSuspect(buf: Buffer): Suspect {
  const m = body(buf, 'suspect');
  return { incarnation: uint(m, 'Incarnation', U32), node: text(m, 'Node'), from: text(m, 'From') };
}
export const decodeDead: (buf: Buffer) => Dead = decodeSuspect;
export function decodeAlive(buf: Buffer): Alive {
  const m = body(buf, 'alive');
  return {
    incarnation: uint(m, 'Incarnation', U32),
    node: text(m, 'Node'),
    addr: bytes(m, 'Addr'),
    port: uint(m, 'Port', U16),
    meta: nullableBytes(m, 'Meta'),
    vsn: bytes(m, 'Vsn'),
  };
}

function decodePushNodeState(v: MsgValue): PushNodeState {
  const m = asMap(v, 'pushNodeState');
  const state = uint(m, 'State', 255);
  if (state > NodeStateType.Left) fail('malformed', `pushNodeState: unknown state ${state}`);
  return {
    name: text(m, 'Name'),
    addr: bytes(m, 'Addr'),
    port: uint(m, 'Port', U16),
    meta: nullableBytes(m, 'Meta'),
    incarnation: uint(m, 'Incarnation', U32),
    state,
    vsn: bytes(m, 'Vsn'),
  };
}

/** Decodes a pushPull body (after the type byte). Throws 'truncated' when more bytes are needed. */
export function decodePushPull(buf: Buffer, maxNodes = 100_000): PushPull {
  const r = new MsgpackReader(buf);
  const h = asMap(r.read(), 'pushPullHeader');
  const count = uint(h, 'Nodes', U32);
  const userLen = uint(h, 'UserStateLen', U32);
  if (count > maxNodes) fail('oversized', `pushPull with ${count} nodes`);
  const nodes: PushNodeState[] = [];
  for (let i = 0; i < count; i++) nodes.push(decodePushNodeState(r.read()));
  if (r.offset + userLen > buf.length) fail('truncated', 'pushPull user state');
  const userState = Buffer.from(buf.subarray(r.offset, r.offset + userLen));
  return { join: bool(h, 'Join'), nodes, userState };
}
