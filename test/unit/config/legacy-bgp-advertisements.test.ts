// Legacy `bgp-advertisements` read as MetalLB reads them: empty entries, duplicate entries, duplicate communities.
import { formatIssue, loadConfig } from '../../../src/core/config';

const PEER = 'peers:\n- my-asn: 64500\n  peer-asn: 64500\n  peer-address: 10.0.0.254\n';
const pool = (ads: string): string => `${PEER}address-pools:\n- name: a\n  protocol: bgp\n  addresses: [10.0.0.0/24]\n  bgp-advertisements:\n${ads}`;
const load = (text: string) => loadConfig([{ file: 'c.yaml', text }]);

describe('legacy bgp-advertisements', () => {
  it('reads an empty entry as a default advertisement (/32, /128, no localpref, no communities)', () => {
    const result = load(pool('  -\n'));
    expect(result.issues.map(formatIssue)).toEqual([]);
    expect(result.config?.bgpAdvertisements).toEqual([
      expect.objectContaining({ aggregationLength: 32, aggregationLengthV6: 128, communities: [], pools: ['a'], peers: [] }),
    ]);
    expect(result.config?.bgpAdvertisements[0]!.localPref).toBeUndefined();
  });

  it('keeps an empty entry next to a written one', () => {
    const result = load(pool('  -\n  - aggregation-length: 24\n'));
    expect(result.issues.map(formatIssue)).toEqual([]);
    expect(result.config?.bgpAdvertisements.map((a) => a.aggregationLength)).toEqual([32, 24]);
  });

  it('rejects two empty entries as duplicates', () => {
    const result = load(pool('  -\n  -\n'));
    expect(result.config).toBeUndefined();
    expect(result.issues.map(formatIssue)).toEqual([
      'c.yaml:address-pools[0].bgp-advertisements[1]: duplicate definition of bgp-advertisements: advertisement 1 and 2 are equal (first at address-pools[0].bgp-advertisements[0])',
    ]);
  });

  it('rejects an empty entry and an empty mapping as duplicates', () => {
    expect(load(pool('  -\n  - {}\n')).config).toBeUndefined();
  });

  it('accepts advertisements that differ in one field, or only in community order', () => {
    expect(load(pool('  - localpref: 100\n  - localpref: 100\n    aggregation-length: 24\n')).issues).toEqual([]);
    expect(load(pool('  - communities: ["1:1", "1:2"]\n  - communities: ["1:2", "1:1"]\n')).issues).toEqual([]);
  });

  it('rejects the same community twice in one advertisement, and accepts it in two advertisements', () => {
    const result = load(pool('  - communities: ["1:1", "1:1"]\n'));
    expect(result.config).toBeUndefined();
    expect(result.issues.map(formatIssue)).toEqual([
      'c.yaml:address-pools[0].bgp-advertisements[0].communities[1]: duplicate definition of community "1:1" (first at address-pools[0].bgp-advertisements[0].communities[0])',
    ]);
    expect(load(pool('  - communities: ["1:1"]\n  - communities: ["1:1"]\n    localpref: 5\n')).issues).toEqual([]);
  });

  it('still rejects an entry that is neither empty nor a mapping', () => {
    const result = load(pool('  - 24\n'));
    expect(result.issues.map(formatIssue)).toEqual(['c.yaml:address-pools[0].bgp-advertisements[0]: expected a BGP advertisement mapping, got number']);
  });
});
