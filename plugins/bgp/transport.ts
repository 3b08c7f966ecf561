// Opens the TCP connection to a peer: source address, TCP-MD5, TTL and VRF/device binding through the optional native helper.
import * as net from 'node:net';
import { loadSockopt } from './native';

export interface TransportOptions {
  host: string;
  port: number;
  localAddress?: string;
  /** TCP-MD5 key; requires the native helper (throws when it is missing). */
  password?: string;
  /** IP TTL / IPv6 hop limit for outgoing packets (native helper; skipped with a warning when missing). */
  ttl?: number;
  /** VRF (or plain interface) the socket is bound to with SO_BINDTODEVICE; requires the native helper. */
  device?: string;
  onWarning?: (msg: string) => void;
}

/** The VRF/device named for the session does not exist (ENODEV): a configuration problem, not a network one. */
export class NoSuchDeviceError extends Error {
  constructor(readonly device: string) {
    super(`no network device ${JSON.stringify(device)} on this node (a VRF or interface name is expected)`);
  }
}

const ENODEV = 19;

/** Starts connecting; the socket emits 'connect' or 'error' as usual. */
export function openTransport(o: TransportOptions): net.Socket {
  const family = net.isIPv6(o.host) ? 6 : 4;
  const native = o.password !== undefined || o.ttl !== undefined || o.device !== undefined ? loadSockopt() : undefined;
  if (o.password !== undefined && !native) {
    throw new Error('TCP-MD5 needs the native helper (build it with: npx node-gyp rebuild -C native/tcpmd5)');
  }
  if (o.device !== undefined && !native?.bindToDevice) {
    throw new Error(`binding to VRF ${JSON.stringify(o.device)} needs the native helper (build it with: npx node-gyp rebuild -C native/tcpmd5)`);
  }
  if (!native) {
    if (o.ttl !== undefined) o.onWarning?.(`cannot set TTL ${o.ttl}: native helper not built; using the system default`);
    return net.connect({ host: o.host, port: o.port, localAddress: o.localAddress });
  }
  // Our own fd so the MD5 key, TTL and device binding are in place before the SYN leaves.
  const fd = native.socket(family);
  try {
    if (o.device !== undefined) bindToDevice(native.bindToDevice!, fd, o.device);
    if (o.password !== undefined) native.setMd5(fd, family, o.host, o.password);
    if (o.ttl !== undefined) native.setTtl(fd, family, o.ttl);
  } catch (err) {
    native.close(fd);
    throw err;
  }
  const sock = new net.Socket({ fd, readable: true, writable: true });
  return sock.connect({ host: o.host, port: o.port, localAddress: o.localAddress });
}

function bindToDevice(bind: (fd: number, device: string) => void, fd: number, device: string): void {
  try {
    bind(fd, device);
  } catch (err) {
    if ((err as { errno?: number }).errno === ENODEV) throw new NoSuchDeviceError(device);
    throw err;
  }
}
