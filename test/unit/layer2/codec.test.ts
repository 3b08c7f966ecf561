// Layer-2 codec vectors (from tcpdump captures in a test namespace) and round-trip properties.
import fc from 'fast-check';
import {
  ARP_REPLY,
  ARP_REQUEST,
  arpReplyFor,
  decodeArpFrame,
  decodeNdp,
  encodeArpFrame,
  encodeNdp,
  findLla,
  gratuitousArp,
  icmpv6Checksum,
  ICMP6_NA,
  ICMP6_NS,
  Layer2DecodeError,
  llaOption,
  OPT_SOURCE_LLA,
  OPT_TARGET_LLA,
  solicitedNodeGroup,
  type ArpFrame,
  type NdpMessage,
} from '../../../plugins/layer2/codec';
import { arbArpFrame, arbNdpMessage } from './arbitraries';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// arping -I va 192.168.1.11 (from 02:00:00:00:00:0a / 192.168.1.10), as captured (60 bytes, zero-padded).
const ARP_REQUEST_CAPTURE = hex(`
  ffff ffff ffff 0200 0000 000a 0806 0001
  0800 0604 0001 0200 0000 000a c0a8 010a
  0000 0000 0000 c0a8 010b 0000 0000 0000
  0000 0000 0000 0000 0000 0000`);

// ICMPv6 parts of a captured NS (fd00::a → ff02::1:ff00:b, who has fd00::b) and its NA.
const NS_CAPTURE = hex('8700 7d73 0000 0000 fd00 0000 0000 0000 0000 0000 0000 000b 0101 0200 0000 000a');
const NA_CAPTURE = hex('8800 1c76 6000 0000 fd00 0000 0000 0000 0000 0000 0000 000b 0201 0200 0000 000b');

describe('ARP codec', () => {
  it('decodes a captured arping request', () => {
    expect(decodeArpFrame(ARP_REQUEST_CAPTURE)).toEqual({
      ethDst: 'ff:ff:ff:ff:ff:ff',
      ethSrc: '02:00:00:00:00:0a',
      op: ARP_REQUEST,
      senderMac: '02:00:00:00:00:0a',
      senderIp: '192.168.1.10',
      targetMac: '00:00:00:00:00:00',
      targetIp: '192.168.1.11',
    });
  });

  it('re-encodes the capture byte for byte (padded to 60)', () => {
    const enc = encodeArpFrame(decodeArpFrame(ARP_REQUEST_CAPTURE));
    expect(enc.length).toBe(60);
    expect(enc.equals(ARP_REQUEST_CAPTURE.subarray(0, 60))).toBe(true);
  });

  it('builds the unicast reply from the interface MAC', () => {
    const reply = arpReplyFor(decodeArpFrame(ARP_REQUEST_CAPTURE), '02:00:00:00:00:0b');
    const bytes = encodeArpFrame(reply);
    expect(bytes.toString('hex')).toBe(
      '0200000000' + '0a' + '02000000000b' + '0806' + '0001080006040002' + '02000000000b' + 'c0a8010b' +
        '02000000000a' + 'c0a8010a' + '00'.repeat(18),
    );
  });

  it('builds gratuitous request and reply with SPA = TPA and broadcast addresses', () => {
    for (const op of [ARP_REQUEST, ARP_REPLY] as const) {
      const f = decodeArpFrame(encodeArpFrame(gratuitousArp(op, '192.168.1.240', '02:00:00:00:00:0b')));
      expect(f).toMatchObject({ op, ethDst: 'ff:ff:ff:ff:ff:ff', senderIp: '192.168.1.240', targetIp: '192.168.1.240' });
      expect(f.targetMac).toBe('ff:ff:ff:ff:ff:ff');
    }
  });

  it.each([
    ['short frame', ARP_REQUEST_CAPTURE.subarray(0, 20)],
    ['not ARP ethertype', Buffer.concat([ARP_REQUEST_CAPTURE.subarray(0, 12), hex('0800'), ARP_REQUEST_CAPTURE.subarray(14)])],
    ['htype 6', Buffer.concat([ARP_REQUEST_CAPTURE.subarray(0, 14), hex('0006'), ARP_REQUEST_CAPTURE.subarray(16)])],
    ['ptype IPv6', Buffer.concat([ARP_REQUEST_CAPTURE.subarray(0, 16), hex('86dd'), ARP_REQUEST_CAPTURE.subarray(18)])],
    ['hlen 8', Buffer.concat([ARP_REQUEST_CAPTURE.subarray(0, 18), hex('08'), ARP_REQUEST_CAPTURE.subarray(19)])],
    ['empty', Buffer.alloc(0)],
  ])('rejects %s with Layer2DecodeError', (_name, buf) => {
    expect(() => decodeArpFrame(buf)).toThrow(Layer2DecodeError);
  });

  it('property: decode ∘ encode is the identity', () => {
    fc.assert(
      fc.property(arbArpFrame, (f: ArpFrame) => {
        const bytes = encodeArpFrame(f);
        expect(bytes.length).toBe(60);
        expect(decodeArpFrame(bytes)).toEqual(f);
      }),
      { numRuns: 500 },
    );
  });
});

describe('NDP codec', () => {
  it('decodes a captured NS with a source LLA option', () => {
    const ns = decodeNdp(NS_CAPTURE);
    expect(ns).toEqual({ type: ICMP6_NS, target: 'fd00::b', options: [{ type: OPT_SOURCE_LLA, data: hex('0200 0000 000a') }] });
    expect(findLla(ns, OPT_SOURCE_LLA)).toBe('02:00:00:00:00:0a');
    expect(findLla(ns, OPT_TARGET_LLA)).toBeUndefined();
  });

  it('decodes a captured NA (S=1, O=1) with a target LLA option', () => {
    const na = decodeNdp(NA_CAPTURE);
    expect(na).toMatchObject({ type: ICMP6_NA, router: false, solicited: true, override: true, target: 'fd00::b' });
    expect(findLla(na, OPT_TARGET_LLA)).toBe('02:00:00:00:00:0b');
  });

  it('encodes to the captured bytes once the checksum is filled in', () => {
    const na: NdpMessage = {
      type: ICMP6_NA,
      router: false,
      solicited: true,
      override: true,
      target: 'fd00::b',
      options: [llaOption(OPT_TARGET_LLA, '02:00:00:00:00:0b')],
    };
    const bytes = encodeNdp(na);
    expect(bytes.readUInt16BE(2)).toBe(0);
    bytes.writeUInt16BE(icmpv6Checksum('fd00::b', 'fd00::a', bytes), 2);
    expect(bytes.equals(NA_CAPTURE)).toBe(true);
    const ns = encodeNdp(decodeNdp(NS_CAPTURE));
    ns.writeUInt16BE(icmpv6Checksum('fd00::a', 'ff02::1:ff00:b', ns), 2);
    expect(ns.equals(NS_CAPTURE)).toBe(true);
  });

  it('computes solicited-node groups', () => {
    expect(solicitedNodeGroup('fd00::b')).toBe('ff02::1:ff00:b');
    expect(solicitedNodeGroup('2001:db8::1234:5678')).toBe('ff02::1:ff34:5678');
  });

  it.each([
    ['short', NS_CAPTURE.subarray(0, 10)],
    ['router solicitation', Buffer.concat([hex('85'), NS_CAPTURE.subarray(1)])],
    ['code 1', Buffer.concat([hex('8701'), NS_CAPTURE.subarray(2)])],
    ['zero-length option', Buffer.concat([NS_CAPTURE.subarray(0, 24), hex('0100 0000 0000 0000')])],
    ['option overrun', Buffer.concat([NS_CAPTURE.subarray(0, 24), hex('0102 0200 0000 000a')])],
    ['truncated option header', Buffer.concat([NS_CAPTURE.subarray(0, 24), hex('01')])],
  ])('rejects %s with Layer2DecodeError', (_name, buf) => {
    expect(() => decodeNdp(buf)).toThrow(Layer2DecodeError);
  });

  it('property: decode ∘ encode is the identity', () => {
    fc.assert(
      fc.property(arbNdpMessage, (m: NdpMessage) => {
        expect(decodeNdp(encodeNdp(m))).toEqual(m);
      }),
      { numRuns: 500 },
    );
  });

  it('property: decoders throw nothing but Layer2DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (bytes) => {
        for (const decode of [decodeNdp, decodeArpFrame]) {
          try {
            decode(Buffer.from(bytes));
          } catch (e) {
            if (!(e instanceof Layer2DecodeError)) throw e;
          }
        }
      }),
      { numRuns: 1000 },
    );
  });
});
