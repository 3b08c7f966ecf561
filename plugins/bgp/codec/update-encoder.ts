// Packs many prefixes sharing one attribute set into as few ≤ 4096-byte UPDATE messages as possible.
import { Afi, HEADER_LENGTH, MAX_MESSAGE_LENGTH, Safi } from './constants';
import { encodeAttributes, type AttributeContext, type PathAttributes } from './attributes';
import { encodeUpdateMessage } from './messages';
import { encodedPrefixSize, prefixFamily, type Family } from './prefix';

/** Splits `prefixes` into runs whose encoded size fits `budget` bytes each. */
function chunkBySize(prefixes: readonly string[], budget: number): string[][] {
  const out: string[][] = [];
  let cur: string[] = [];
  let size = 0;
  for (const p of prefixes) {
    const s = encodedPrefixSize(p);
    if (size + s > budget && cur.length > 0) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(p);
    size += s;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

export class UpdateEncoder {
  constructor(private readonly ctx: AttributeContext) {}

  /**
   * UPDATEs announcing `prefixes` (all of one family) with `attrs`. For IPv4 `attrs.nextHop` is
   * used; for IPv6 the NLRI travel in MP_REACH with `nextHopsV6`, and NEXT_HOP is dropped.
   */
  announce(family: Family, prefixes: readonly string[], attrs: PathAttributes, nextHopsV6: string[] = []): Buffer[] {
    if (prefixes.length === 0) return [];
    const fixed = MAX_MESSAGE_LENGTH - HEADER_LENGTH - 4;
    if (family === 4) {
      const a = { ...attrs, mpReach: undefined, mpUnreach: undefined };
      const budget = fixed - encodeAttributes(a, this.ctx).length;
      return chunkBySize(prefixes, budget).map((nlri) => encodeUpdateMessage({ withdrawn: [], attributes: a, nlri }, this.ctx));
    }
    const base: PathAttributes = { ...attrs, nextHop: undefined, mpUnreach: undefined, mpReach: undefined };
    const nhLen = 16 * nextHopsV6.length;
    // MP_REACH header (4, extended length) + AFI/SAFI/NH-len (4) + NH + reserved (1).
    const budget = fixed - encodeAttributes(base, this.ctx).length - 4 - 4 - nhLen - 1;
    return chunkBySize(prefixes, budget).map((nlri) =>
      encodeUpdateMessage(
        { withdrawn: [], attributes: { ...base, mpReach: { afi: Afi.Ipv6, safi: Safi.Unicast, nextHops: nextHopsV6, nlri } }, nlri: [] },
        this.ctx,
      ),
    );
  }

  /** UPDATEs withdrawing `prefixes` (of any mix of families). */
  withdraw(prefixes: readonly string[]): Buffer[] {
    const v4 = prefixes.filter((p) => prefixFamily(p) === 4);
    const v6 = prefixes.filter((p) => prefixFamily(p) === 6);
    const fixed = MAX_MESSAGE_LENGTH - HEADER_LENGTH - 4;
    const out = chunkBySize(v4, fixed).map((withdrawn) => encodeUpdateMessage({ withdrawn, attributes: {}, nlri: [] }, this.ctx));
    for (const w of chunkBySize(v6, fixed - 4 - 3)) {
      out.push(encodeUpdateMessage({ withdrawn: [], attributes: { mpUnreach: { afi: Afi.Ipv6, safi: Safi.Unicast, withdrawn: w } }, nlri: [] }, this.ctx));
    }
    return out;
  }
}
