// Properties: whatever the input, the loader reports issues and never throws; config exists iff there is no error.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { buildConfig, loadConfig, type LoadResult } from '../../../src/core/config';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const FIXTURES = ['tutorials', 'valid', 'invalid'].flatMap((d) => {
  const dir = join(__dirname, '../../fixtures/config', d);
  return readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8'));
});

function wellFormed(result: LoadResult): void {
  const hasError = result.issues.some((i) => i.severity === 'error');
  expect(result.config === undefined).toBe(hasError);
  for (const issue of result.issues) {
    expect(typeof issue.path).toBe('string');
    expect(typeof issue.message).toBe('string');
    expect(issue.message.length).toBeGreaterThan(0);
  }
}

const LEGACY_KEYS = ['address-pools', 'peers', 'bgp-communities', 'bfd-profiles', 'name', 'protocol', 'addresses', 'cidr', 'my-asn', 'peer-asn',
  'peer-address', 'hold-time', 'keepalive-time', 'node-selectors', 'match-labels', 'match-expressions', 'bgp-advertisements', 'communities',
  'aggregation-length', 'localpref', 'auto-assign', 'avoid-buggy-ips', 'router-id', 'bfd-profile', 'operator', 'values', 'key'];
const CRD_KEYS = ['apiVersion', 'kind', 'metadata', 'spec', 'name', 'labels', 'addresses', 'ipAddressPools', 'ipAddressPoolSelectors', 'peers',
  'myASN', 'peerASN', 'peerAddress', 'holdTime', 'keepaliveTime', 'communities', 'value', 'aggregationLength', 'localPref', 'nodeSelectors',
  'matchLabels', 'matchExpressions', 'serviceAllocation', 'priority', 'items', 'data', 'config', 'passwordSecret'];
const SCALARS = fc.oneof(
  fc.constantFrom('IPAddressPool', 'L2Advertisement', 'BGPAdvertisement', 'BGPPeer', 'Community', 'BFDProfile', 'ConfigMap', 'List',
    'metallb.io/v1beta1', 'metallb.io/v1beta2', 'layer2', 'arp', 'bgp', '192.168.1.240/28', '10.0.0.1-10.0.0.9', 'fc00::/120', '90s', '65000:1',
    'large:1:2:3', 'In', 'Exists', 'a', '', '1:2:3'),
  fc.integer({ min: -5, max: 5000000000 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string(),
);

/** Objects built from the keys the loader knows, so the fuzzing reaches deep into every reader. */
function shaped(keys: string[]): fc.Arbitrary<unknown> {
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      SCALARS,
      fc.array(tie('tree'), { maxLength: 4 }),
      fc.dictionary(fc.constantFrom(...keys), tie('tree'), { maxKeys: 6 }),
    ),
  }));
  return tree;
}

describe('loader robustness', () => {
  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 300 }), (text) => wellFormed(loadConfig([{ file: 'f', text }]))), { numRuns: RUNS });
  });

  it('never throws on YAML-ish text assembled from YAML punctuation and config words', () => {
    const token = fc.constantFrom('\n', '  ', '- ', ': ', '---\n', '[', ']', '{', '}', ',', '|\n', '"', "'", '&a ', '*a', '!!str ', '#', 'kind',
      'ConfigMap', 'address-pools', 'config', 'data', 'name', 'addresses', '192.168.1.0/24', 'protocol', 'arp', 'spec', 'IPAddressPool', '\t', '?', '%');
    fc.assert(fc.property(fc.array(token, { maxLength: 60 }), (tokens) => wellFormed(loadConfig([{ file: 'f', text: tokens.join('') }]))), { numRuns: RUNS });
  });

  it('never throws on random legacy-shaped and CRD-shaped objects, as YAML or as API objects', () => {
    fc.assert(
      fc.property(fc.oneof(shaped(LEGACY_KEYS), shaped(CRD_KEYS)), fc.option(fc.constantFrom('IPAddressPool', 'BGPPeer', 'ConfigMap', 'L2Advertisement'), { nil: undefined }),
        (object, kind) => {
          wellFormed(buildConfig([{ object, kind }]));
          let text: string;
          try {
            text = yaml.dump(object);
          } catch {
            return;
          }
          wellFormed(loadConfig([{ file: 'f', text }]));
        }),
      { numRuns: RUNS },
    );
  });

  it('never throws on CRDs with random specs', () => {
    const crd = fc.record({
      apiVersion: fc.constantFrom('metallb.io/v1beta1', 'metallb.io/v1beta2'),
      kind: fc.constantFrom('IPAddressPool', 'L2Advertisement', 'BGPAdvertisement', 'BGPPeer', 'Community', 'BFDProfile'),
      metadata: fc.record({ name: fc.oneof(fc.constantFrom('a', 'b'), SCALARS), labels: fc.oneof(fc.constant(undefined), shaped(['tier', 'x'])) }),
      spec: shaped(CRD_KEYS),
    });
    fc.assert(fc.property(fc.array(crd, { maxLength: 5 }), (objects) => wellFormed(buildConfig(objects.map((object) => ({ object }))))), { numRuns: RUNS });
  });

  it('never throws on mutated fixtures', () => {
    fc.assert(
      fc.property(fc.constantFrom(...FIXTURES), fc.nat(), fc.nat({ max: 20 }), fc.string({ maxLength: 8 }), (text, at, cut, insert) => {
        const i = at % (text.length + 1);
        wellFormed(loadConfig([{ file: 'f', text: text.slice(0, i) + insert + text.slice(i + cut) }]));
      }),
      { numRuns: RUNS },
    );
  });

  it('never throws on arbitrary JavaScript values handed to buildConfig', () => {
    fc.assert(fc.property(fc.anything(), (object) => wellFormed(buildConfig([{ object }]))), { numRuns: RUNS });
  });
});
