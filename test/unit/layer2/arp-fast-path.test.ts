// The ARP hot path: send errors of the answer thread reported, request lines only when enabled, and the allocation-free codec agreeing with the plain parsers.
import fc from 'fast-check';
import { Registry } from 'prom-client';
import pino from 'pino';
import { Writable } from 'node:stream';
import { ArpResponder } from '../../../plugins/layer2/arp-responder';
import { ARP_FRAME_LEN, arpReplyFor, decodeArpFrame, encodeArpFrame, encodeArpFrameInto, encodeArpReplyFrame, macFromBuffer, macToBuffer, writeMac, type ArpFrame } from '../../../plugins/layer2/codec';
import { Layer2Metrics } from '../../../plugins/layer2/metrics';
import type { ArpAnswererEvents } from '../../../plugins/layer2/afpacket';
import type { TransportFactory } from '../../../plugins/layer2/transport';
import { arbArpFrame } from './arbitraries';
import { captureLogger, iface } from './fakes';

const OUR_MAC = '02:00:00:00:00:0b';
const VIP = '192.168.1.240';

const request = (senderIp: string): Buffer =>
  encodeArpFrame({ ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: '02:00:00:00:00:64', op: 1, senderMac: '02:00:00:00:00:64', senderIp, targetMac: '00:00:00:00:00:00', targetIp: VIP });

/** Frames the JS decision sent, and the events an answering (native) transport reports to the responder. */
function responder(logger: pino.Logger, requestLogLevel: 'info' | 'debug' = 'info', answering = false) {
  const sent: Buffer[] = [];
  let deliver: (frame: Buffer, pktType: number) => void = () => undefined;
  let events: ArpAnswererEvents | undefined;
  const link = { send: (f: Buffer) => void sent.push(f), close: () => undefined };
  const transports: TransportFactory = answering
    ? { arpAnswering: (_i, ev) => ((events = ev), { ...link, answerIp: () => undefined, logRequests: () => undefined, yieldOnClaim: () => undefined }), ndp: noNdp }
    : { arp: (_i, onFrame) => ((deliver = onFrame), link), ndp: noNdp };
  const registry = new Registry();
  const r = new ArpResponder({
    iface: iface('eth0', 2, OUR_MAC),
    logger,
    requestLogLevel,
    metrics: new Layer2Metrics(registry),
    transports,
  });
  r.answer(VIP, true);
  return { r, sent, deliver, events: events!, registry };
}

function noNdp(): never {
  throw new Error('no NDP here');
}

describe('ArpResponder hot path', () => {
  it('logs send errors reported by the answer thread, at most once a second with the count since the last line', () => {
    jest.useFakeTimers({ now: 10_000 });
    try {
      const { logger, lines } = captureLogger();
      const { events } = responder(logger, 'info', true);
      const errorLines = () => lines.filter((l) => l.msg === 'failed to send ARP replies');
      events.sendFailed(new Error('sendmmsg(AF_PACKET): No buffer space available'), 3);
      events.sendFailed(new Error('sendmmsg(AF_PACKET): No buffer space available'), 2);
      events.sendFailed(new Error('sendmmsg(AF_PACKET): No buffer space available'), 4);
      expect(errorLines()).toEqual([expect.objectContaining({ interface: 'eth0', unsent: 3 })]);
      jest.setSystemTime(11_000);
      events.sendFailed(new Error('sendmmsg(AF_PACKET): No buffer space available'), 1);
      expect(errorLines()).toHaveLength(2);
      expect(errorLines()[1]).toMatchObject({ unsent: 7 });
    } finally {
      jest.useRealTimers();
    }
  });

  it('writes the per-request line only when its level is enabled', () => {
    const captured: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _e, cb) {
        captured.push(chunk.toString());
        cb();
      },
    });
    const infoLogger = pino({ level: 'info', messageKey: 'msg', base: undefined }, sink);
    const quiet = responder(infoLogger, 'debug');
    quiet.deliver(request('10.200.0.1'), 1);
    expect(quiet.sent).toHaveLength(1);
    expect(captured).toHaveLength(0);
    const loud = responder(infoLogger, 'info');
    loud.deliver(request('10.200.0.1'), 1);
    expect(captured.join('')).toContain('got ARP request for service IP, sending response');
  });
});

describe('allocation-free ARP encoding', () => {
  const MAC_RE = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
  const IPV4_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
  const validIp = (s: string): boolean => {
    const m = IPV4_RE.exec(s);
    return !!m && m.slice(1).every((b) => Number(b) <= 255);
  };
  const frameWith = (over: Partial<ArpFrame>): ArpFrame => ({
    ethDst: 'ff:ff:ff:ff:ff:ff',
    ethSrc: OUR_MAC,
    op: 1,
    senderMac: OUR_MAC,
    senderIp: '192.168.1.10',
    targetMac: '00:00:00:00:00:00',
    targetIp: VIP,
    ...over,
  });
  const ipText = fc.oneof(
    fc.tuple(fc.nat(300), fc.nat(300), fc.nat(300), fc.nat(300)).map((p) => p.join('.')),
    fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.', 'a', ' ', '٣'), maxLength: 18 }),
  );
  const macText = fc.oneof(
    fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 6, maxLength: 6 }).map((b) => b.map((x) => x.toString(16).padStart(2, '0')).join(':')),
    fc.string({ unit: fc.constantFrom('0', 'a', 'F', 'g', ':', '-'), maxLength: 19 }),
  );

  it('accepts exactly the IPv4 texts the dotted-quad grammar accepts', () => {
    fc.assert(
      fc.property(ipText, (ip) => {
        const ok = (() => {
          try {
            encodeArpFrame(frameWith({ senderIp: ip }));
            return true;
          } catch (e) {
            expect(e).toBeInstanceOf(RangeError);
            return false;
          }
        })();
        expect(ok).toBe(validIp(ip));
        if (ok) expect(decodeArpFrame(encodeArpFrame(frameWith({ senderIp: ip }))).senderIp).toBe(ip.split('.').map(Number).join('.'));
      }),
      { numRuns: 3000 },
    );
  });

  it('accepts exactly the MAC texts of the form aa:bb:cc:dd:ee:ff (any case)', () => {
    fc.assert(
      fc.property(macText, (mac) => {
        const valid = MAC_RE.test(mac.toLowerCase());
        if (valid) expect(macToBuffer(mac)).toEqual(Buffer.from(mac.split(':').map((h) => parseInt(h, 16))));
        else expect(() => writeMac(mac, Buffer.alloc(6), 0)).toThrow(RangeError);
      }),
      { numRuns: 3000 },
    );
  });

  it('encodes into a shared buffer at an offset, zeroing the padding and leaving the rest alone', () => {
    fc.assert(
      fc.property(arbArpFrame, fc.nat(3), (f, slot) => {
        const buf = Buffer.alloc(ARP_FRAME_LEN * 5, 0xee);
        encodeArpFrameInto(f, buf, slot * ARP_FRAME_LEN);
        expect(buf.subarray(slot * ARP_FRAME_LEN, (slot + 1) * ARP_FRAME_LEN)).toEqual(encodeArpFrame(f));
        expect(buf.subarray(0, slot * ARP_FRAME_LEN).every((b) => b === 0xee)).toBe(true);
        expect(buf.subarray((slot + 1) * ARP_FRAME_LEN).every((b) => b === 0xee)).toBe(true);
      }),
      { numRuns: 500 },
    );
    expect(() => encodeArpFrameInto(frameWith({}), Buffer.alloc(ARP_FRAME_LEN + 10), 11)).toThrow(RangeError);
  });
});

describe('address text from frames (memoised by value)', () => {
  const hex = (b: number): string => b.toString(16).padStart(2, '0');

  it('gives the same MAC and IPv4 text as formatting the bytes, past the memo limit (its clearing included)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 42, maxLength: 42 }), (bytes) => {
        const frame = Buffer.from(bytes);
        frame.writeUInt16BE(0x0806, 12);
        frame.writeUInt32BE(0x00010800, 14);
        frame.writeUInt16BE(0x0604, 18);
        const f = decodeArpFrame(frame);
        const mac = (o: number): string => [...frame.subarray(o, o + 6)].map(hex).join(':');
        const ip = (o: number): string => [...frame.subarray(o, o + 4)].join('.');
        expect(f).toMatchObject({ ethDst: mac(0), ethSrc: mac(6), senderMac: mac(22), senderIp: ip(28), targetMac: mac(32), targetIp: ip(38) });
      }),
      { numRuns: 12_000 },
    );
  });

  it('reads a MAC only from six bytes inside the buffer', () => {
    expect(macFromBuffer(Buffer.from([0x02, 0, 0, 0, 0, 0x0b]), 0)).toBe('02:00:00:00:00:0b');
    expect(() => macFromBuffer(Buffer.alloc(6), 1)).toThrow(RangeError);
  });
});

describe('reply frames from request bytes', () => {
  it('equal encoding the typed reply to the decoded request', () => {
    fc.assert(
      fc.property(arbArpFrame, arbArpFrame, (req, other) => {
        const ours = other.senderMac;
        const expected = encodeArpFrame(arpReplyFor(decodeArpFrame(encodeArpFrame(req)), ours));
        expect(encodeArpReplyFrame(encodeArpFrame(req), macToBuffer(ours)).equals(expected)).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });
});
