// OPEN checks: peer ASN (4-octet capability wins), hold time, BGP identifier, families, timers.
import { makeOpen } from '../../../plugins/bgp/codec';
import { negotiateOpen } from '../../../plugins/bgp/open-negotiation';

const want = { peerAsn: 65000, ebgp: true, routerId: '10.0.0.1', holdTime: 90, families: [4, 6] as Array<4 | 6> };
const open = (o: Partial<Parameters<typeof makeOpen>[0]> = {}) =>
  makeOpen({ asn: 65000, holdTime: 30, bgpId: '10.0.0.2', afis: [{ afi: 1, safi: 1 }, { afi: 2, safi: 1 }], ...o });

test('accepts and negotiates', () => {
  const r = negotiateOpen(open(), want);
  expect(r).toEqual({ ok: true, negotiated: { hold: 30, keepalive: 10, asn4: true, families: [4, 6], peerRouterId: '10.0.0.2', routeRefresh: true, gracefulRestart: false } });
});

test('4-byte peer ASN is read from the capability; mismatch → 2/2 with the 2-octet field as data', () => {
  expect(negotiateOpen(open({ asn: 4200000000 }), { ...want, peerAsn: 4200000000 }).ok).toBe(true);
  const r = negotiateOpen(open({ asn: 4200000000 }), want);
  expect(r.ok === false && r.notification).toEqual({ code: 2, subcode: 2, data: Buffer.from([0x5b, 0xa0]) });
});

test('hold 1 or 2 → 2/6; hold 0 → no timers', () => {
  const r = negotiateOpen(open({ holdTime: 2 }), want);
  expect(r.ok === false && r.notification.subcode).toBe(6);
  const z = negotiateOpen(open({ holdTime: 0 }), want);
  expect(z.ok && [z.negotiated.hold, z.negotiated.keepalive]).toEqual([0, 0]);
});

test('BGP identifier 0.0.0.0, or ours on iBGP → 2/3', () => {
  const a = negotiateOpen(open({ bgpId: '0.0.0.0' }), want);
  expect(a.ok === false && a.notification.subcode).toBe(3);
  const b = negotiateOpen(open({ bgpId: '10.0.0.1' }), { ...want, ebgp: false });
  expect(b.ok === false && b.notification.subcode).toBe(3);
});

test('no MP capability → IPv4 unicast only; only IPv6 offered → IPv6 only', () => {
  const a = negotiateOpen(open({ afis: [] }), want);
  expect(a.ok && a.negotiated.families).toEqual([4]);
  const b = negotiateOpen(open({ afis: [{ afi: 2, safi: 1 }] }), want);
  expect(b.ok && b.negotiated.families).toEqual([6]);
});
