// One fixture per validation rule: each must report its problem at the exact path, with the right severity.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatIssue, loadConfig } from '../../../src/core/config';

const DIR = join(__dirname, '../../fixtures/config/invalid');

interface Expectation {
  path: string;
  message: RegExp;
  /** Default: error (the config must then be rejected). */
  severity?: 'error' | 'warning';
}

const CASES: Record<string, Expectation> = {
  'bad-cidr.yaml': { path: 'address-pools[1].addresses[0]', message: /^"192\.168\.1\.300\/28" is not a CIDR or an address range$/ },
  'bare-address.yaml': { path: 'IPAddressPool/a.spec.addresses[0]', message: /not a CIDR or an address range \(write a single address as 192\.168\.1\.240\/32\)/ },
  'overlap-within-pool.yaml': { path: 'address-pools[0].addresses[1]', message: /overlaps "192\.168\.1\.240\/28" in the same pool/ },
  'overlap-across-pools.yaml': { path: 'address-pools[1].addresses[0]', message: /"192\.168\.1\.0\/24" overlaps "192\.168\.1\.240\/28" of pool "a"/ },
  'overlap-across-crd-pools.yaml': { path: 'IPAddressPool/b.spec.addresses[0]', message: /overlaps .* of pool "a"/ },
  'duplicate-pool-name.yaml': { path: 'address-pools[1].name', message: /duplicate pool name "a" \(first defined at duplicate-pool-name\.yaml:address-pools\[0\]\)/ },
  'legacy-and-crd-same-pool.yaml': { path: 'IPAddressPool/default', message: /pool "default" is defined both in the ConfigMap and as an IPAddressPool/ },
  'duplicate-peer-name.yaml': { path: 'BGPPeer/router', message: /duplicate BGP peer name "router"/ },
  'duplicate-peer-address.yaml': { path: 'peers[1]', message: /peer fc00::1 port 179 is already configured by "peers\[0\]"/ },
  'duplicate-l2-advertisement-name.yaml': { path: 'L2Advertisement/l2', message: /duplicate L2 advertisement name "l2"/ },
  'duplicate-bgp-advertisement-name.yaml': { path: 'BGPAdvertisement/bgp', message: /duplicate BGP advertisement name "bgp"/ },
  'duplicate-bfd-profile.yaml': { path: 'bfd-profiles[1]', message: /duplicate BFD profile name "fast"/ },
  'asn-zero.yaml': { path: 'peers[0].my-asn', message: /invalid ASN 0: must be an integer from 1 to 4294967295/ },
  'asn-too-big.yaml': { path: 'peers[0].peer-asn', message: /invalid ASN 4294967296/ },
  'asn-not-integer.yaml': { path: 'BGPPeer/router.spec.myASN', message: /invalid ASN 64500\.5/ },
  'asn-string.yaml': { path: 'peers[0].my-asn', message: /invalid ASN "AS64500"/ },
  'hold-time-too-short.yaml': { path: 'peers[0].hold-time', message: /hold time 2\.5s is invalid: it must be 0 or at least 3s/ },
  'hold-time-without-unit.yaml': { path: 'peers[0].hold-time', message: /90 is not a duration/ },
  'keepalive-above-hold.yaml': { path: 'BGPPeer/router.spec.keepaliveTime', message: /keepalive time 60s is longer than the hold time 30s/ },
  'aggregation-shorter-than-cidr.yaml': {
    path: 'address-pools[0].bgp-advertisements[0].aggregation-length',
    message: /aggregation length 24 is shorter than the \/28 prefix of "192\.168\.1\.240\/28" in pool "a"/,
  },
  'aggregation-shorter-than-range-cover.yaml': {
    path: 'BGPAdvertisement/agg.spec.aggregationLength',
    message: /aggregation length 28 is shorter than the \/29 prefix of "192\.168\.1\.240-192\.168\.1\.250"/,
  },
  'aggregation-v6-shorter-than-prefix.yaml': { path: 'BGPAdvertisement/agg.spec.aggregationLengthV6', message: /aggregation length 64 is shorter than the \/120 prefix/ },
  'aggregation-too-long.yaml': { path: 'address-pools[0].bgp-advertisements[0].aggregation-length', message: /aggregation length 33 must be an integer from 0 to 32/ },
  'aggregation-v6-too-long.yaml': { path: 'BGPAdvertisement/agg.spec.aggregationLengthV6', message: /IPv6 aggregation length 129 must be an integer from 0 to 128/ },
  'unknown-community-alias.yaml': { path: 'address-pools[0].bgp-advertisements[0].communities[1]', message: /unknown community alias "no-export" \(known: no-advertise\)/ },
  'malformed-community-alias.yaml': { path: 'bgp-communities.bad', message: /invalid community "65536:1": each half must be a number from 0 to 65535/ },
  'malformed-community-in-advertisement.yaml': { path: 'BGPAdvertisement/c.spec.communities[0]', message: /invalid community "1:2:3"/ },
  'malformed-community-crd.yaml': { path: 'Community/comms.spec.communities[0].value', message: /invalid community "large:1:2"/ },
  'localpref-conflict.yaml': { path: 'BGPAdvertisement/second.spec.localPref', message: /localPref 200 conflicts with localPref 100 of "first" for pool "a"/ },
  'localpref-on-ebgp.yaml': { path: 'BGPAdvertisement/pref.spec.localPref', message: /only sent to iBGP peers/, severity: 'warning' },
  'protocol-not-installed.yaml': { path: 'address-pools[0].protocol', message: /^protocol "vxlan" has no installed plugin \(installed: layer2, bgp\)$/ },
  'bad-peer-address.yaml': { path: 'peers[0].peer-address', message: /"192\.168\.1\.256" is not a valid IP address/ },
  'bad-source-address.yaml': { path: 'BGPPeer/router.spec.sourceAddress', message: /"eth0" is not a valid IP address/ },
  'bad-router-id.yaml': { path: 'peers[0].router-id', message: /"fc00::1" is not a valid IPv4 address/ },
  'range-start-after-end.yaml': { path: 'address-pools[0].addresses[0]', message: /range start is after its end/ },
  'range-mixed-families.yaml': { path: 'address-pools[0].addresses[0]', message: /mixes IPv4 and IPv6/ },
  'empty-pool-name.yaml': { path: 'address-pools[0].name', message: /pool name is empty/ },
  'pool-without-addresses.yaml': { path: 'address-pools[0].addresses', message: /pool "a" has no addresses/ },
  'crd-pool-empty-addresses.yaml': { path: 'IPAddressPool/empty.spec.addresses', message: /pool "empty" has no addresses/ },
  'advertisement-unknown-pool.yaml': { path: 'L2Advertisement/l2.spec.ipAddressPools[1]', message: /unknown address pool "nope" \(known: a\)/ },
  'advertisement-unknown-peer.yaml': { path: 'BGPAdvertisement/adv.spec.peers[0]', message: /unknown peer "routr" \(known: router\)/ },
  'peer-unknown-bfd-profile.yaml': { path: 'peers[0].bfd-profile', message: /unknown BFD profile "slow"/ },
  'unknown-field-typo.yaml': { path: 'address-pools[0].auto-asign', message: /unknown field "auto-asign" \(did you mean "auto-assign"\?\)/, severity: 'warning' },
  'wrong-type-addresses.yaml': { path: 'address-pools[0].addresses', message: /expected a list, got string "192\.168\.1\.240\/28"/ },
  'wrong-type-auto-assign.yaml': { path: 'IPAddressPool/a.spec.autoAssign', message: /expected true or false, got string "no"/ },
  'yaml-syntax-error.yaml': { path: '8:1', message: /^YAML syntax error: unexpected end of the stream within a double quoted scalar/ },
  'yaml-syntax-error-in-config.yaml': { path: '11:7', message: /^YAML syntax error: duplicated mapping key/ },
  'unknown-kind.yaml': { path: 'Deployment/controller', message: /kind "Deployment" \(apps\/v1\) is not MetalLB configuration; ignored/, severity: 'warning' },
  'bgp-advertisements-on-layer2-pool.yaml': { path: 'address-pools[0].bgp-advertisements', message: /apply only to bgp pools; pool "a" uses layer2/ },
  'selector-bad-operator.yaml': { path: 'peers[0].node-selectors[0].match-expressions[0].operator', message: /operator "Equals" must be one of In, NotIn, Exists, DoesNotExist/ },
  'password-and-secret.yaml': { path: 'BGPPeer/router.spec.passwordSecret', message: /either password or passwordSecret/ },
  'ebgp-multihop-on-ibgp.yaml': { path: 'peers[0].ebgp-multihop', message: /only to eBGP peers/ },
  'peer-port-out-of-range.yaml': { path: 'BGPPeer/router.spec.peerPort', message: /port 70000 must be an integer from 1 to 65535/ },
  'bfd-interval-out-of-range.yaml': { path: 'BFDProfile/fast.spec.receiveInterval', message: /from 10 to 60000/ },
  'crd-wrong-api-group.yaml': { path: 'IPAddressPool/a.apiVersion', message: /IPAddressPool needs apiVersion metallb\.io\/v1beta1, got "metallb\.universe\.tf\/v1beta1"/ },
  'crd-missing-name.yaml': { path: 'IPAddressPool.metadata.name', message: /IPAddressPool has no metadata\.name/ },
  'selector-matches-no-pool.yaml': { path: 'L2Advertisement/l2.spec.ipAddressPoolSelectors', message: /match no address pool/, severity: 'warning' },
  'pool-not-announced.yaml': { path: 'IPAddressPool/a', message: /pool "a" is not announced/, severity: 'warning' },
  'no-protocol-defaults-to-bgp.yaml': { path: 'address-pools[0].protocol', message: /no protocol; defaulting to bgp/, severity: 'warning' },
  'cidr-host-bits.yaml': { path: 'address-pools[0].addresses[0]', message: /host bits set; it means 192\.168\.1\.240\/28/, severity: 'warning' },
  'document-not-a-mapping.yaml': { path: '(document)', message: /expected a Kubernetes object or a MetalLB config mapping, got list/ },
  'list-items-not-a-list.yaml': { path: 'items', message: /expected a list, got mapping/ },
  'unknown-crd-version.yaml': { path: 'IPAddressPool/a.apiVersion', message: /v1alpha9 is not a served version \(served: metallb\.io\/v1beta1\)/ },
  'configmap-without-config.yaml': { path: 'ConfigMap/config', message: /has no data\.config; ignored/, severity: 'warning' },
  'duplicate-advertisement-in-pool.yaml': {
    path: 'address-pools[0].bgp-advertisements[2]',
    message: /duplicate definition of bgp-advertisements: advertisement 1 and 3 are equal \(first at address-pools\[0\]\.bgp-advertisements\[0\]\)/,
  },
  'duplicate-community-in-advertisement.yaml': {
    path: 'address-pools[0].bgp-advertisements[0].communities[2]',
    message: /duplicate definition of community "no-advertise" \(first at address-pools\[0\]\.bgp-advertisements\[0\]\.communities\[0\]\)/,
  },
  'duplicate-community-in-crd-advertisement.yaml': { path: 'BGPAdvertisement/c.spec.communities[1]', message: /duplicate definition of community "64500:7"/ },
  'bgp-pool-without-peers.yaml': { path: 'address-pools[0]', message: /announced with bgp but no BGP peers/, severity: 'warning' },
};

describe('invalid configuration corpus', () => {
  it('has a table entry for every fixture and a fixture for every entry', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();
    expect(Object.keys(CASES).sort()).toEqual(files);
    expect(files.length).toBeGreaterThanOrEqual(30);
  });

  it.each(Object.entries(CASES))('%s', (file, expected) => {
    const result = loadConfig([{ file, text: readFileSync(join(DIR, file), 'utf8') }]);
    const severity = expected.severity ?? 'error';
    const atPath = result.issues.filter((i) => i.path === expected.path && i.severity === severity);
    const lines = result.issues.map(formatIssue).join('\n');
    expect({ file, matched: atPath.some((i) => expected.message.test(i.message)), issues: lines }).toEqual({
      file,
      matched: true,
      issues: lines,
    });
    for (const issue of result.issues) expect(issue.file).toBe(file);
    if (severity === 'error') expect(result.config).toBeUndefined();
    else expect(result.config).toBeDefined();
  });
});
