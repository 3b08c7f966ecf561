// Real UDP and TCP with outgoing packets lost on demand: interop tests cut our UDP without reaching into a Memberlist.
import { NetTransport, type TransportFactory } from '../../../src/memberlist';

/** NetTransport that drops each outgoing packet for which `lose(host, port)` holds (asked per packet, so a test can start losing later). */
export function netTransportLosing(lose: (host: string, port: number) => boolean): TransportFactory {
  return async (address, port, handlers) => {
    const net = await NetTransport.bind(address, port, handlers);
    return {
      address: net.address,
      port: net.port,
      sendPacket: (buf, host, to) => {
        if (!lose(host, to)) net.sendPacket(buf, host, to);
      },
      dial: (host, to, timeoutMs) => net.dial(host, to, timeoutMs),
      close: () => net.close(),
    };
  };
}
