// A minimal MRT TABLE_DUMP_V2 file (RFC 6396) of IPv4 /32 routes, for `gobgp mrt inject global`: the GoBGP baseline's 10k prefixes.
const TABLE_DUMP_V2 = 13;
const PEER_INDEX_TABLE = 1;
const RIB_IPV4_UNICAST = 2;

function record(subtype: number, body: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt32BE(Math.floor(Date.now() / 1000), 0);
  h.writeUInt16BE(TABLE_DUMP_V2, 4);
  h.writeUInt16BE(subtype, 6);
  h.writeUInt32BE(body.length, 8);
  return Buffer.concat([h, body]);
}

const ipBytes = (ip: string): Buffer => Buffer.from(ip.split('.').map(Number));

/** One peer (`peerIp`, AS `peerAs`: not gobgpd's own, or it drops the paths) and one locally originated path per prefix: ORIGIN IGP, empty AS_PATH, NEXT_HOP `nextHop`. */
export function mrtTableDump(prefixes: string[], o: { peerIp: string; peerAs: number; nextHop: string }): Buffer {
  // Peer index table: collector ID, empty view name, 1 peer (type 0x02: IPv4 address, 4-byte AS).
  const peer = Buffer.concat([Buffer.from([0x02]), ipBytes(o.peerIp), ipBytes(o.peerIp), Buffer.alloc(4)]);
  peer.writeUInt32BE(o.peerAs, 9);
  const index = Buffer.concat([ipBytes(o.peerIp), Buffer.from([0, 0, 0, 1]), peer]);
  // ORIGIN IGP, AS_PATH empty, NEXT_HOP.
  const attrs = Buffer.concat([Buffer.from([0x40, 1, 1, 0]), Buffer.from([0x40, 2, 0]), Buffer.from([0x40, 3, 4]), ipBytes(o.nextHop)]);
  const out = [record(PEER_INDEX_TABLE, index)];
  prefixes.forEach((p, seq) => {
    const [addr, lenText] = p.split('/');
    const len = Number(lenText);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(seq, 0);
    head.writeUInt8(len, 4);
    const entry = Buffer.alloc(8);
    entry.writeUInt16BE(0, 0); // peer index
    entry.writeUInt32BE(Math.floor(Date.now() / 1000), 2);
    entry.writeUInt16BE(attrs.length, 6);
    const count = Buffer.from([0, 1]);
    out.push(record(RIB_IPV4_UNICAST, Buffer.concat([head, ipBytes(addr!).subarray(0, Math.ceil(len / 8)), count, entry, attrs])));
  });
  return Buffer.concat(out);
}
