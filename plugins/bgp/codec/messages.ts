// NOTIFICATION, KEEPALIVE, ROUTE-REFRESH, End-of-RIB, and the top-level message decode/encode.
import { Afi, HEADER_LENGTH, MessageType, Safi } from './constants';
import { BgpDecodeError, ErrorCode, HeaderSubcode } from './errors';
import { decodeHeader, frame } from './header';
import { decodeOpen, encodeOpen, type OpenMessage } from './open';
import { decodeUpdate, encodeUpdate, type UpdateDecodeResult, type UpdateMessage } from './update';
import type { AttributeContext } from './attributes';

export interface NotificationMessage {
  code: number;
  subcode: number;
  data: Buffer;
}

export interface RouteRefreshMessage {
  afi: number;
  /** 0 = normal request; 1/2 = BoRR/EoRR (RFC 7313). */
  subtype: number;
  safi: number;
}

export type BgpMessage =
  | { type: 'open'; open: OpenMessage }
  | { type: 'update'; result: UpdateDecodeResult }
  | { type: 'notification'; notification: NotificationMessage }
  | { type: 'keepalive' }
  | { type: 'route-refresh'; refresh: RouteRefreshMessage };

export function encodeNotification(n: NotificationMessage): Buffer {
  return frame(MessageType.Notification, Buffer.concat([Buffer.from([n.code, n.subcode]), n.data]));
}

export function decodeNotification(body: Buffer): NotificationMessage {
  if (body.length < 2) throw new BgpDecodeError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, 'NOTIFICATION too short');
  return { code: body.readUInt8(0), subcode: body.readUInt8(1), data: Buffer.from(body.subarray(2)) };
}

export function encodeKeepalive(): Buffer {
  return frame(MessageType.Keepalive, Buffer.alloc(0));
}

export function encodeRouteRefresh(r: RouteRefreshMessage): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt16BE(r.afi, 0);
  b[2] = r.subtype;
  b[3] = r.safi;
  return frame(MessageType.RouteRefresh, b);
}

export function decodeRouteRefresh(body: Buffer): RouteRefreshMessage {
  if (body.length !== 4) {
    throw new BgpDecodeError(ErrorCode.RouteRefresh, 1, `ROUTE-REFRESH length ${body.length + HEADER_LENGTH}`, Buffer.from(body));
  }
  return { afi: body.readUInt16BE(0), subtype: body.readUInt8(2), safi: body.readUInt8(3) };
}

export function encodeOpenMessage(m: OpenMessage): Buffer {
  return frame(MessageType.Open, encodeOpen(m));
}

export function encodeUpdateMessage(u: UpdateMessage, ctx: AttributeContext): Buffer {
  return frame(MessageType.Update, encodeUpdate(u, ctx));
}

/** End-of-RIB marker (RFC 4724): empty UPDATE for IPv4 unicast, empty MP_UNREACH otherwise. */
export function encodeEndOfRib(afi: number, safi: number): Buffer {
  if (afi === Afi.Ipv4 && safi === Safi.Unicast) return encodeUpdateMessage({ withdrawn: [], attributes: {}, nlri: [] }, { asn4: true });
  return encodeUpdateMessage({ withdrawn: [], attributes: { mpUnreach: { afi, safi, withdrawn: [] } }, nlri: [] }, { asn4: true });
}

/** The AFI/SAFI whose End-of-RIB this UPDATE is, or undefined. */
export function endOfRibOf(u: UpdateMessage): { afi: number; safi: number } | undefined {
  const a = u.attributes;
  const keys = Object.keys(a).filter((k) => a[k as keyof typeof a] !== undefined);
  if (u.withdrawn.length || u.nlri.length) return undefined;
  if (keys.length === 0) return { afi: Afi.Ipv4, safi: Safi.Unicast };
  if (keys.length === 1 && a.mpUnreach && a.mpUnreach.withdrawn.length === 0) return { afi: a.mpUnreach.afi, safi: a.mpUnreach.safi };
  return undefined;
}

/** Decodes one whole message (header included). Throws only BgpDecodeError. */
export function decodeMessage(buf: Buffer, ctx: AttributeContext): BgpMessage {
  const { length, type } = decodeHeader(buf);
  if (length !== buf.length) {
    throw new BgpDecodeError(ErrorCode.MessageHeader, HeaderSubcode.BadMessageLength, `header says ${length}, have ${buf.length}`, Buffer.from(buf.subarray(16, 18)));
  }
  const body = buf.subarray(HEADER_LENGTH);
  switch (type) {
    case MessageType.Open:
      return { type: 'open', open: decodeOpen(body) };
    case MessageType.Update:
      return { type: 'update', result: decodeUpdate(body, ctx) };
    case MessageType.Notification:
      return { type: 'notification', notification: decodeNotification(body) };
    case MessageType.Keepalive:
      return { type: 'keepalive' };
    default:
      return { type: 'route-refresh', refresh: decodeRouteRefresh(body) };
  }
}
