// A scripted peer on 127.0.0.1 sends broken messages: the speaker answers with the right NOTIFICATION or RFC 7606 action.
import { BgpSession } from '../../../plugins/bgp/session';
import { encodeKeepalive, type BgpMessage, type UpdateDecodeResult } from '../../../plugins/bgp/codec';
import { FakePeer, type PeerConnection } from '../../unit/bgp/fake-peer';

const M = 'ff'.repeat(16);
const hexBuf = (h: string) => Buffer.from(h.replace(/\s+/g, ''), 'hex');
function update(attrs: string, nlri = '18c63364'): Buffer {
  const a = hexBuf(attrs);
  const n = hexBuf(nlri);
  const len = 19 + 4 + a.length + n.length;
  return Buffer.concat([hexBuf(M), Buffer.from([len >> 8, len & 0xff, 2, 0, 0, a.length >> 8, a.length & 0xff]), a, n]);
}
const ORIGIN = '40010100';
const ASPATH = '40020602010000fde8';
const NH = '4003040a000001';
const MPREACH = '800e1e000201 10 20010db8000000000000000000000001 00 40 20010db800000000';

const isNotif = (code: number, subcode: number) => (m: BgpMessage) =>
  m.type === 'notification' && m.notification.code === code && m.notification.subcode === subcode;

let peer: FakePeer;
let session: BgpSession;
let updates: UpdateDecodeResult[];

async function establishedConnection(): Promise<PeerConnection> {
  peer = new FakePeer({ asn: 65000, hold: 30 });
  const port = await peer.listen();
  const conn = peer.nextConnection();
  session = new BgpSession({ peerAddress: '127.0.0.1', peerPort: port, myAsn: 65001, peerAsn: 65000, routerId: '10.0.0.1', backoff: { unitMs: 100, maxMs: 500 } });
  updates = [];
  session.on('update', (r: UpdateDecodeResult) => updates.push(r));
  const up = new Promise((r) => session.once('established', r));
  session.start();
  const c = await conn;
  await up;
  return c;
}

afterEach(async () => {
  await session.stop({ timeoutMs: 500 });
  await peer.close();
});

describe.each<[string, Buffer, number, number]>([
  ['header length below 19', hexBuf(`${M}001204`), 1, 2],
  ['header length above 4096', hexBuf(`${M}2000 02`), 1, 2],
  ['bad marker', hexBuf(`${'00'.repeat(16)}001304`), 1, 1],
  ['unknown message type', hexBuf(`${M}001307`), 1, 3],
  ['KEEPALIVE with a body', hexBuf(`${M}00140400`), 1, 2],
  ['duplicate MP_REACH_NLRI', update(MPREACH + MPREACH + ORIGIN + ASPATH, ''), 3, 1],
  ['MP_REACH_NLRI with a bad next-hop length', update('800e0a000201 05 0000000000 00 00' + ORIGIN + ASPATH, ''), 3, 9],
  ['total attribute length beyond the message', (() => { const b = update(ORIGIN + ASPATH + NH); b.writeUInt16BE(0x0200, 21); return b; })(), 3, 1],
  ['unrecognized well-known attribute', update(ORIGIN + ASPATH + NH + '4063020000'), 3, 2],
  ['NLRI with prefix length 40', update(ORIGIN + ASPATH + NH, '28c6336400ff'), 3, 10],
])('%s', (_name, bytes, code, subcode) => {
  test(`→ NOTIFICATION ${code}/${subcode}, session closes and comes back`, async () => {
    const c = await establishedConnection();
    const again = peer.nextConnection(5000);
    c.send(bytes);
    await c.waitFor(isNotif(code, subcode), 3000);
    await c.closed;
    await again; // the speaker survived and reconnects
  });
});

describe.each<[string, Buffer, string]>([
  ['ORIGIN with optional flag set (bad attribute flags)', update('c0010100' + ASPATH + NH), 'treat-as-withdraw'],
  ['AS_PATH segment overrunning the attribute', update(ORIGIN + '40020602050000fde8' + NH), 'treat-as-withdraw'],
  ['AS_PATH with segment type 7', update(ORIGIN + '40020607010000fde8' + NH), 'treat-as-withdraw'],
  ['COMMUNITIES of length 5', update(ORIGIN + ASPATH + NH + 'c0080500000000ff'), 'treat-as-withdraw'],
  ['missing NEXT_HOP', update(ORIGIN + ASPATH), 'treat-as-withdraw'],
  ['LOCAL_PREF from an eBGP peer', update(ORIGIN + ASPATH + NH + '40050400000064'), 'attribute-discard'],
  ['ATOMIC_AGGREGATE with a value', update(ORIGIN + ASPATH + NH + '40060101'), 'attribute-discard'],
])('%s', (_name, bytes, action) => {
  test(`→ RFC 7606 ${action}, no NOTIFICATION, session stays up`, async () => {
    const c = await establishedConnection();
    c.send(bytes);
    c.send(encodeKeepalive());
    const deadline = Date.now() + 3000;
    while (updates.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(updates[0]?.action).toBe(action);
    await new Promise((r) => setTimeout(r, 200));
    expect(c.messages.some((m) => m.type === 'notification')).toBe(false);
    expect(session.state).toBe('Established');
    expect(session.receivedPrefixes).toBe(action === 'treat-as-withdraw' ? 0 : 1);
  });
});

test('connection cut in the middle of a header → session down, reconnect, no NOTIFICATION', async () => {
  const c = await establishedConnection();
  const again = peer.nextConnection(5000);
  c.socket.end(hexBuf(`${M}00`));
  await again;
  expect(c.messages.some((m) => m.type === 'notification')).toBe(false);
});

test('second OPEN while Established → NOTIFICATION 5/3 (FSM error)', async () => {
  const c = await establishedConnection();
  c.send(FakePeer.defaultOpen({ asn: 65000 }));
  await c.waitFor(isNotif(5, 3), 3000);
});
