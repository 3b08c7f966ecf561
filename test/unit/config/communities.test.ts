import { formatCommunity, parseCommunity, resolveCommunity } from '../../../src/core/config/communities';

describe('communities', () => {
  it('parses standard and large communities and prints them back', () => {
    for (const text of ['65535:65282', '0:0', '64500:100', 'large:4294967295:0:1']) {
      const r = parseCommunity(text);
      expect(r.ok).toBe(true);
      if (r.ok) expect(formatCommunity(r.community)).toBe(text);
    }
    expect(parseCommunity('1:2')).toEqual({ ok: true, community: { kind: 'standard', value: 65538 } });
  });

  it.each(['65536:1', '1:65536', '1:2:3', 'large:1:2', 'large:1:2:4294967296', 'a:b', ':', '-1:2', '1.5:2'])('rejects %s', (text) => {
    expect(parseCommunity(text).ok).toBe(false);
  });

  it('resolves aliases before values and names unknown aliases', () => {
    const aliases = { 'no-advertise': '65535:65282' };
    expect(resolveCommunity('no-advertise', aliases)).toEqual({ ok: true, community: { kind: 'standard', value: 65535 * 65536 + 65282 } });
    expect(resolveCommunity('64500:1', aliases).ok).toBe(true);
    const unknown = resolveCommunity('no-export', aliases);
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.message).toBe('unknown community alias "no-export" (known: no-advertise)');
    const none = resolveCommunity('x', {});
    if (!none.ok) expect(none.message).toMatch(/no communities are defined/);
    expect(resolveCommunity('toString', {}).ok).toBe(false);
  });
});
