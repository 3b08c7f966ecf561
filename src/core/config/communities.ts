// BGP community text (`65000:100`, `large:1:2:3`, or an alias) to typed values, as MetalLB spells them.
import type { Community } from './model';

export type CommunityParse = { ok: true; community: Community } | { ok: false; message: string };

const U16 = 0xffff;
const U32 = 0xffffffff;

function parseUint(text: string, max: number): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= max ? n : undefined;
}

/** True when the text looks like a community value rather than an alias name. */
export function looksLikeCommunityValue(text: string): boolean {
  return /^\d/.test(text) || text.startsWith('large:');
}

/** Parses `a:b` (16-bit halves) or `large:a:b:c` (32-bit parts). */
export function parseCommunity(text: string): CommunityParse {
  const bad = (why: string): CommunityParse => ({ ok: false, message: `invalid community ${JSON.stringify(text)}: ${why}` });
  const parts = text.trim().split(':');
  if (parts[0] === 'large') {
    if (parts.length !== 4) return bad('a large community is large:GLOBAL:LOCAL1:LOCAL2');
    const [g, l1, l2] = parts.slice(1).map((p) => parseUint(p, U32));
    if (g === undefined || l1 === undefined || l2 === undefined) return bad('each part must be a number from 0 to 4294967295');
    return { ok: true, community: { kind: 'large', global: g, local1: l1, local2: l2 } };
  }
  if (parts.length !== 2) return bad('expected ASN:VALUE (e.g. 65000:100) or large:GLOBAL:LOCAL1:LOCAL2');
  const [hi, lo] = parts.map((p) => parseUint(p, U16));
  if (hi === undefined || lo === undefined) return bad('each half must be a number from 0 to 65535');
  return { ok: true, community: { kind: 'standard', value: hi * 0x10000 + lo } };
}

/** Resolves a community reference: a literal value, or an alias from `aliases` (alias → value text). */
export function resolveCommunity(text: string, aliases: Record<string, string>): CommunityParse {
  const alias = Object.prototype.hasOwnProperty.call(aliases, text) ? aliases[text] : undefined;
  if (alias !== undefined) return parseCommunity(alias);
  if (looksLikeCommunityValue(text)) return parseCommunity(text);
  const known = Object.keys(aliases);
  return {
    ok: false,
    message: `unknown community alias ${JSON.stringify(text)}${known.length ? ` (known: ${known.join(', ')})` : ' (no communities are defined)'}`,
  };
}

export function formatCommunity(c: Community): string {
  if (c.kind === 'large') return `large:${c.global}:${c.local1}:${c.local2}`;
  return `${Math.floor(c.value / 0x10000)}:${c.value % 0x10000}`;
}
