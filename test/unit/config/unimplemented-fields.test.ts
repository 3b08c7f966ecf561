// The chart's admission policy and the parser warn about the same not-yet-implemented fields, with the same words.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { UNIMPLEMENTED_FIELDS } from '../../../src/core/config/unimplemented-fields';

const POLICY = join(__dirname, '../../../charts/metallbts/charts/crds/templates/unimplemented-fields-policy.yaml');

interface PolicyDoc {
  kind: string;
  spec: { validations?: Array<{ expression: string; message: string }>; validationActions?: string[]; matchConstraints?: { resourceRules: Array<{ resources: string[] }> } };
}

const PLURAL: Record<string, string> = { BGPPeer: 'bgppeers', BFDProfile: 'bfdprofiles' };

describe('unimplemented fields: one list', () => {
  const docs = yaml.loadAll(readFileSync(POLICY, 'utf8')) as PolicyDoc[];
  const policy = docs.find((d) => d.kind === 'ValidatingAdmissionPolicy');
  const binding = docs.find((d) => d.kind === 'ValidatingAdmissionPolicyBinding');

  test('the policy only warns (Warn action), never refuses', () => {
    expect(binding?.spec.validationActions).toEqual(['Warn']);
  });

  test('every parser entry has a policy validation with the same message, and no more', () => {
    const expected = UNIMPLEMENTED_FIELDS.map((u) => (u.field ? `spec.${u.field}: ${u.message}` : `${u.kind}: ${u.message}`));
    expect(policy?.spec.validations?.map((v) => v.message)).toEqual(expected);
  });

  test('each validation looks at its kind and field', () => {
    UNIMPLEMENTED_FIELDS.forEach((u, i) => {
      const expression = policy?.spec.validations?.[i]!.expression ?? '';
      expect(expression).toContain(`'${PLURAL[u.kind]}'`);
      if (u.field) expect(expression).toContain(`object.spec.${u.field}`);
    });
    const resources = policy?.spec.matchConstraints?.resourceRules.flatMap((r) => r.resources);
    expect(resources?.sort()).toEqual([...new Set(UNIMPLEMENTED_FIELDS.map((u) => PLURAL[u.kind]))].sort());
  });
});
