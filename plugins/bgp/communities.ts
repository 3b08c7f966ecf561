// Community text ⇄ values: "65000:100", well-known names, "large:1:2:3" / "1:2:3", and config aliases.
import type { LargeCommunity } from './codec';
import { WellKnownCommunity } from './codec';

export type ParsedCommunity = { kind: 'standard'; value: number } | ({ kind: 'large' } & LargeCommunity);

const WELL_KNOWN: Record<string, number> = {
  'no-export': WellKnownCommunity.NoExport,
  'no-advertise': WellKnownCommunity.NoAdvertise,
  'no-export-subconfed': WellKnownCommunity.NoExportSubconfed,
  'local-as': WellKnownCommunity.NoExportSubconfed,
};

function u(text: string, max: number, what: string): number {
  if (!/^\d+$/.test(text)) throw new RangeError(`${what}: ${JSON.stringify(text)} is not a number`);
  const n = Number(text);
  if (n > max) throw new RangeError(`${what}: ${n} exceeds ${max}`);
  return n;
}

/** Parses one community; `aliases` maps names to values (MetalLB `bgp-communities` / Community CRs). */
export function parseCommunity(text: string, aliases: Record<string, string> = {}, depth = 0): ParsedCommunity {
  const t = text.trim();
  if (aliases[t] !== undefined && depth < 4) return parseCommunity(aliases[t], aliases, depth + 1);
  const lower = t.toLowerCase();
  if (WELL_KNOWN[lower] !== undefined) return { kind: 'standard', value: WELL_KNOWN[lower] };
  const parts = (lower.startsWith('large:') ? lower.slice(6) : lower).split(':');
  const [p0 = '', p1 = '', p2 = ''] = parts;
  if (parts.length === 3) {
    return { kind: 'large', global: u(p0, 0xffffffff, t), local1: u(p1, 0xffffffff, t), local2: u(p2, 0xffffffff, t) };
  }
  if (parts.length === 2 && !lower.startsWith('large:')) {
    return { kind: 'standard', value: u(p0, 0xffff, t) * 65536 + u(p1, 0xffff, t) };
  }
  throw new RangeError(`invalid community ${JSON.stringify(text)}: want "a:b", "large:a:b:c" or a known alias`);
}

export function formatCommunity(c: ParsedCommunity): string {
  return c.kind === 'standard' ? `${Math.floor(c.value / 65536)}:${c.value % 65536}` : `large:${c.global}:${c.local1}:${c.local2}`;
}

/** Splits a mixed list into the two attributes. */
export function splitCommunities(list: ParsedCommunity[]): { communities: number[]; largeCommunities: LargeCommunity[] } {
  const communities: number[] = [];
  const largeCommunities: LargeCommunity[] = [];
  for (const c of list) {
    if (c.kind === 'standard') communities.push(c.value);
    else largeCommunities.push({ global: c.global, local1: c.local1, local2: c.local2 });
  }
  return { communities, largeCommunities };
}
