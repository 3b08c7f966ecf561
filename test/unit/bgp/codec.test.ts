// Hand-checked wire vectors and properties for the BGP codec.
import fc from 'fast-check';
import {
  BgpDecodeError,
  MessageFramer,
  UpdateEncoder,
  decodeMessage,
  encodeEndOfRib,
  encodeKeepalive,
  encodeNotification,
  encodeOpenMessage,
  encodeUpdateMessage,
  endOfRibOf,
  makeOpen,
  openAsn,
  originAsPath,
  canonicalPrefix,
  asWithdrawal,
  type BgpMessage,
} from '../../../plugins/bgp/codec';
import { mutatedMessage, openMessage, updateMessage, wireMessage } from './arbitraries';

const M = 'ff'.repeat(16);
const hex = (b: Buffer) => b.toString('hex');
const buf = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');

function update(msg: BgpMessage) {
  if (msg.type !== 'update') throw new Error(`expected update, got ${msg.type}`);
  return msg.result;
}

function expectDecodeError(b: Buffer, code: number, subcode: number, ctx = { asn4: true }) {
  let err: unknown;
  try {
    decodeMessage(b, ctx);
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(BgpDecodeError);
  expect([(err as BgpDecodeError).code, (err as BgpDecodeError).subcode]).toEqual([code, subcode]);
  return err as BgpDecodeError;
}

/** UPDATE with the given attribute bytes and IPv4 NLRI bytes. */
function rawUpdate(attrs: string, nlri = '20c0a801f0', withdrawn = ''): Buffer {
  const w = buf(withdrawn);
  const a = buf(attrs);
  const n = buf(nlri);
  const body = Buffer.concat([Buffer.from([w.length >> 8, w.length & 0xff]), w, Buffer.from([a.length >> 8, a.length & 0xff]), a, n]);
  const len = 19 + body.length;
  return Buffer.concat([buf(M), Buffer.from([len >> 8, len & 0xff, 2]), body]);
}
const ORIGIN = '40010100';
const ASPATH4 = '4002060201 0000fde9';
const NH = '4003040a000001';

describe('BGP codec vectors', () => {
  test('KEEPALIVE', () => {
    expect(hex(encodeKeepalive())).toBe(`${M}001304`);
    expect(decodeMessage(encodeKeepalive(), { asn4: true })).toEqual({ type: 'keepalive' });
  });

  test('OPEN with MP v4+v6, route refresh, 4-octet AS', () => {
    const open = makeOpen({ asn: 65001, holdTime: 90, bgpId: '10.0.0.1', afis: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }] });
    const wire = encodeOpenMessage(open);
    expect(hex(wire)).toBe(
      `${M}003901 04 fde9 005a 0a000001 1c 0206010400010001 0206010400020001 02020200 020641040000fde9`.replace(/ /g, ''),
    );
    const back = decodeMessage(wire, { asn4: true });
    expect(back).toEqual({ type: 'open', open });
  });

  test('OPEN with a 4-byte ASN uses AS_TRANS and carries the real ASN in the capability', () => {
    const open = makeOpen({ asn: 4200000001, holdTime: 3, bgpId: '1.2.3.4', afis: [{ afi: 1, safi: 1 }], gracefulRestart: { restartTime: 120 } });
    const wire = encodeOpenMessage(open);
    expect(wire.readUInt16BE(20)).toBe(23456);
    expect(hex(wire)).toContain('0206400400000078'.slice(0, 4)); // GR capability present
    expect(hex(wire)).toContain('40020078');
    const back = decodeMessage(wire, { asn4: true });
    if (back.type !== 'open') throw new Error();
    expect(openAsn(back.open)).toBe(4200000001);
  });

  test('OPEN with a bad version → 2/1', () => {
    const wire = encodeOpenMessage(makeOpen({ asn: 1, holdTime: 90, bgpId: '1.1.1.1', afis: [] }));
    wire[19] = 3;
    expectDecodeError(wire, 2, 1);
  });

  test('UPDATE eBGP IPv4 announcement', () => {
    const wire = encodeUpdateMessage(
      { withdrawn: [], attributes: { origin: 0, asPath: originAsPath(65001, true), nextHop: '10.0.0.1' }, nlri: ['192.168.1.240/32'] },
      { asn4: true },
    );
    expect(hex(wire)).toBe(`${M}003002 0000 0014 ${ORIGIN} ${ASPATH4} ${NH} 20c0a801f0`.replace(/ /g, ''));
    expect(hex(rawUpdate(ORIGIN + ASPATH4 + NH))).toBe(hex(wire));
    const r = update(decodeMessage(wire, { asn4: true }));
    expect(r.action).toBe('none');
    expect(r.update.nlri).toEqual(['192.168.1.240/32']);
    expect(r.update.attributes.asPath).toEqual([{ type: 2, asns: [65001] }]);
  });

  test('UPDATE 2-byte AS_PATH, communities, large community, local pref', () => {
    const ctx = { asn4: false };
    const wire = encodeUpdateMessage(
      {
        withdrawn: ['10.0.0.0/8'],
        attributes: { origin: 0, asPath: originAsPath(64512, true), nextHop: '10.0.0.1', localPref: 100, communities: [(65000 << 16) | 100], largeCommunities: [{ global: 1, local1: 2, local2: 3 }] },
        nlri: [],
      },
      ctx,
    );
    expect(hex(wire)).toBe(
      `${M}004802 0002 080a 002f ${ORIGIN} 400204 0201fc00 ${NH} 40050400000064 c00804fde80064 c0200c000000010000000200000003`.replace(/ /g, ''),
    );
    const r = update(decodeMessage(wire, ctx));
    expect(r.update.withdrawn).toEqual(['10.0.0.0/8']);
    expect(r.update.attributes.communities).toEqual([65000 * 65536 + 100]);
  });

  test('IPv6 announcement in MP_REACH, first attribute, no NEXT_HOP', () => {
    const enc = new UpdateEncoder({ asn4: true });
    const [wire] = enc.announce(6, ['2001:db8::/64'], { origin: 0, asPath: [], nextHop: '10.0.0.1' }, ['2001:db8::1']);
    expect(hex(wire!)).toBe(
      `${M}003f02 0000 0028 800e1e 0002 01 10 20010db8000000000000000000000001 00 40 20010db800000000 ${ORIGIN} 400200`.replace(/ /g, ''),
    );
  });

  test('End-of-RIB markers', () => {
    expect(hex(encodeEndOfRib(1, 1))).toBe(`${M}00170200000000`);
    expect(hex(encodeEndOfRib(2, 1))).toBe(`${M}001d0200000006800f03000201`);
    expect(endOfRibOf(update(decodeMessage(encodeEndOfRib(2, 1), { asn4: true })).update)).toEqual({ afi: 2, safi: 1 });
    expect(endOfRibOf(update(decodeMessage(encodeEndOfRib(1, 1), { asn4: true })).update)).toEqual({ afi: 1, safi: 1 });
  });

  test('NOTIFICATION Cease/admin shutdown', () => {
    const wire = encodeNotification({ code: 6, subcode: 2, data: Buffer.alloc(0) });
    expect(hex(wire)).toBe(`${M}00150306 02`.replace(/ /g, ''));
    expect(decodeMessage(wire, { asn4: true })).toEqual({ type: 'notification', notification: { code: 6, subcode: 2, data: Buffer.alloc(0) } });
  });

  test('canonical prefixes clear host bits', () => {
    expect(canonicalPrefix('192.168.1.77/24')).toBe('192.168.1.0/24');
    expect(canonicalPrefix('2001:db8::1/32')).toBe('2001:db8::/32');
    expect(canonicalPrefix('10.1.2.3')).toBe('10.1.2.3/32');
    expect(() => canonicalPrefix('10.0.0.0/33')).toThrow(RangeError);
  });
});

describe('header errors', () => {
  test('bad marker → 1/1', () => {
    expectDecodeError(buf(`${'fe'.repeat(16)}001304`), 1, 1);
  });
  test('length below 19 → 1/2 with the length as data', () => {
    const e = expectDecodeError(buf(`${M}001204`), 1, 2);
    expect(hex(e.data)).toBe('0012');
  });
  test('length above 4096 → 1/2', () => {
    expectDecodeError(buf(`${M}100104`), 1, 2);
  });
  test('unknown type → 1/3 with the type as data', () => {
    const e = expectDecodeError(buf(`${M}001309`), 1, 3);
    expect(hex(e.data)).toBe('09');
  });
  test('KEEPALIVE with a body → 1/2', () => {
    expectDecodeError(buf(`${M}00140400`), 1, 2);
  });
  test('truncated header → 1/2', () => {
    expectDecodeError(buf(`${M}00`), 1, 2);
  });
  test('framer splits and joins a stream', () => {
    const f = new MessageFramer();
    const two = Buffer.concat([encodeKeepalive(), encodeNotification({ code: 6, subcode: 2, data: Buffer.alloc(0) })]);
    expect(f.push(two.subarray(0, 10))).toHaveLength(0);
    const got = f.push(two.subarray(10));
    expect(got.map(hex)).toEqual([hex(encodeKeepalive()), hex(two.subarray(19))]);
    expect(f.buffered).toBe(0);
  });
});

describe('UPDATE errors (RFC 7606)', () => {
  const ctx = { asn4: true, ebgp: true };
  const decode = (b: Buffer) => update(decodeMessage(b, ctx));
  test('invalid ORIGIN value → treat-as-withdraw, 3/6', () => {
    const r = decode(rawUpdate('40010103' + ASPATH4 + NH));
    expect(r.action).toBe('treat-as-withdraw');
    expect(r.errors[0]).toMatchObject({ subcode: 6, type: 1 });
    expect(asWithdrawal(r.update).withdrawn).toEqual(['192.168.1.240/32']);
  });
  test('ORIGIN with optional flag → treat-as-withdraw, 3/4', () => {
    const r = decode(rawUpdate('c0010100' + ASPATH4 + NH));
    expect(r.action).toBe('treat-as-withdraw');
    expect(r.errors[0]).toMatchObject({ subcode: 4 });
  });
  test('AS_PATH segment overrun → treat-as-withdraw, 3/11', () => {
    const r = decode(rawUpdate(ORIGIN + '40020602020000fde9' + NH));
    expect(r.errors[0]).toMatchObject({ subcode: 11, action: 'treat-as-withdraw' });
  });
  test('AS_PATH with a bad segment type → treat-as-withdraw', () => {
    expect(decode(rawUpdate(ORIGIN + '4002060901 0000fde9' + NH)).action).toBe('treat-as-withdraw');
  });
  test('NEXT_HOP of length 3 → treat-as-withdraw, 3/5', () => {
    expect(decode(rawUpdate(ORIGIN + ASPATH4 + '4003030a0000')).errors[0]).toMatchObject({ subcode: 5, action: 'treat-as-withdraw' });
  });
  test('missing NEXT_HOP with IPv4 NLRI → treat-as-withdraw, 3/3', () => {
    const r = decode(rawUpdate(ORIGIN + ASPATH4));
    expect(r.errors[0]).toMatchObject({ subcode: 3, data: Buffer.from([3]) });
  });
  test('COMMUNITIES of length 3 → treat-as-withdraw', () => {
    expect(decode(rawUpdate(ORIGIN + ASPATH4 + NH + 'c00803000000')).action).toBe('treat-as-withdraw');
  });
  test('LARGE_COMMUNITY of length 8 → treat-as-withdraw', () => {
    expect(decode(rawUpdate(ORIGIN + ASPATH4 + NH + 'c020080000000100000002')).action).toBe('treat-as-withdraw');
  });
  test('LOCAL_PREF from eBGP → attribute-discard', () => {
    const r = decode(rawUpdate(ORIGIN + ASPATH4 + NH + '40050400000064'));
    expect(r.action).toBe('attribute-discard');
    expect(r.update.attributes.localPref).toBeUndefined();
  });
  test('AGGREGATOR of bad length → attribute-discard', () => {
    expect(decode(rawUpdate(ORIGIN + ASPATH4 + NH + 'c007050000000001')).action).toBe('attribute-discard');
  });
  test('duplicate ORIGIN → attribute-discard (first kept)', () => {
    const r = decode(rawUpdate(ORIGIN + '40010102' + ASPATH4 + NH));
    expect(r.action).toBe('attribute-discard');
    expect(r.update.attributes.origin).toBe(0);
  });
  test('duplicate MP_REACH → session reset 3/1', () => {
    const mp = '800e1e000201 10 20010db8000000000000000000000001 00 40 20010db800000000'.replace(/ /g, '');
    expectDecodeError(rawUpdate(mp + mp + ORIGIN + ASPATH4, ''), 3, 1, ctx);
  });
  test('IPv4 NLRI with an IPv6 next hop in MP_REACH (RFC 8950) is accepted', () => {
    const mp = '800e19000101 10 fd000001000000000000000000000001 00 18c63364'.replace(/ /g, '');
    const r = decode(rawUpdate(mp + ORIGIN + ASPATH4, ''));
    expect(r.action).toBe('none');
    expect(r.update.attributes.mpReach).toEqual({ afi: 1, safi: 1, nextHops: ['fd00:1::1'], nlri: ['198.51.100.0/24'] });
  });
  test('MP_REACH with bad next-hop length → session reset 3/9', () => {
    expectDecodeError(rawUpdate('800e0a000201 05 0000000000 00 00'.replace(/ /g, '') + ORIGIN + ASPATH4, ''), 3, 9, ctx);
  });
  test('attribute length overruns the attribute list → treat-as-withdraw', () => {
    expect(decode(rawUpdate(ORIGIN + ASPATH4 + '400304')).action).toBe('treat-as-withdraw');
  });
  test('total attribute length overruns the message → session reset 3/1', () => {
    const b = rawUpdate(ORIGIN + ASPATH4 + NH);
    b.writeUInt16BE(0x0100, 21);
    expectDecodeError(b, 3, 1, ctx);
  });
  test('NLRI prefix length 33 → session reset 3/10', () => {
    expectDecodeError(rawUpdate(ORIGIN + ASPATH4 + NH, '21c0a801f000'), 3, 10, ctx);
  });
  test('unrecognized well-known attribute → session reset 3/2', () => {
    expectDecodeError(rawUpdate(ORIGIN + ASPATH4 + NH + '4063020000'), 3, 2, ctx);
  });
  test('unknown optional attribute is kept', () => {
    const r = decode(rawUpdate(ORIGIN + ASPATH4 + NH + 'c063020102'));
    expect(r.action).toBe('none');
    expect(r.update.attributes.unknown).toEqual([{ flags: 0xc0, type: 0x63, value: Buffer.from([1, 2]) }]);
  });
});

describe('UpdateEncoder packing', () => {
  const enc = new UpdateEncoder({ asn4: true });
  const attrs = { origin: 0, asPath: originAsPath(65001, true), nextHop: '10.0.0.1', communities: [1, 2, 3] };
  test('10,000 /32s pack into few messages ≤ 4096 bytes, all prefixes present once', () => {
    const prefixes = Array.from({ length: 10000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.${(i * 7) & 255}/32`);
    const msgs = enc.announce(4, prefixes, attrs);
    expect(msgs.length).toBeLessThanOrEqual(Math.ceil((10000 * 5) / 4000) + 1);
    const seen: string[] = [];
    for (const m of msgs) {
      expect(m.length).toBeLessThanOrEqual(4096);
      seen.push(...update(decodeMessage(m, { asn4: true })).update.nlri);
    }
    expect(seen).toEqual(prefixes);
  });
  test('IPv6 packing and withdrawals', () => {
    const prefixes = Array.from({ length: 2000 }, (_, i) => `2001:db8:${i.toString(16)}::/64`);
    const msgs = enc.announce(6, prefixes, attrs, ['2001:db8::1']);
    let n = 0;
    for (const m of msgs) {
      expect(m.length).toBeLessThanOrEqual(4096);
      n += update(decodeMessage(m, { asn4: true })).update.attributes.mpReach!.nlri.length;
    }
    expect(n).toBe(2000);
    const w = enc.withdraw([...prefixes, '10.0.0.0/8']);
    expect(w.every((m) => m.length <= 4096)).toBe(true);
    expect(w.length).toBeLessThan(8);
  });
  test('one prefix → one small UPDATE', () => {
    const [m] = enc.announce(4, ['192.168.1.240/32'], attrs);
    expect(m!.length).toBeLessThan(80);
  });
});

describe('codec properties', () => {
  const runs = 300;
  test.each([true, false])('UPDATE encode∘decode identity (asn4=%s)', (asn4) => {
    fc.assert(
      fc.property(updateMessage(asn4), (u) => {
        let wire: Buffer;
        try {
          wire = encodeUpdateMessage(u, { asn4 });
        } catch (e) {
          expect(e).toBeInstanceOf(RangeError); // over 4096 bytes
          return;
        }
        const r = update(decodeMessage(wire, { asn4 }));
        expect(r.update).toEqual(u);
      }),
      { numRuns: runs },
    );
  });
  test('OPEN encode∘decode identity', () => {
    fc.assert(
      fc.property(openMessage, (o) => {
        let wire: Buffer;
        try {
          wire = encodeOpenMessage(o);
        } catch {
          return;
        }
        expect(decodeMessage(wire, { asn4: true })).toEqual({ type: 'open', open: o });
      }),
      { numRuns: runs },
    );
  });
  test('decode throws only BgpDecodeError (random and mutated input)', () => {
    const input = fc.oneof(mutatedMessage(true), wireMessage(true), fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.concat([buf(M), Buffer.from(u)])));
    fc.assert(
      fc.property(input, fc.boolean(), (b, asn4) => {
        try {
          decodeMessage(b, { asn4, ebgp: asn4 });
        } catch (e) {
          if (!(e instanceof BgpDecodeError)) throw e;
        }
      }),
      { numRuns: runs },
    );
  });
});
