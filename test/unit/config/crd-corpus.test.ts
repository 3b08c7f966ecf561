// The CRD corpus through `metallbts validate` alone (fast; the integration test adds the real API server's verdicts).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildConfig } from '../../../src/core/config';
import { CORPUS, corpusFiles as files, validateFixture as validate } from '../../support/crd-corpus';

describe('CRD corpus through validate', () => {
  test.each(files('invalid'))('invalid/%s: an error at the field its header names', (name) => {
    const file = join(CORPUS, 'invalid', name);
    const field = /^# field: (\S+)$/m.exec(readFileSync(file, 'utf8'))?.[1];
    const { code, lines } = validate(file);
    expect({ code, atField: lines.some((l) => !l.includes(': warning: ') && l.includes(`.${field}: `)), lines }).toEqual({ code: 1, atField: true, lines });
  });

  test.each(files('valid'))('valid/%s: accepted', (name) => {
    expect(validate(join(CORPUS, 'valid', name)).code).toBe(0);
  });
});

describe('unknown fields of metallb.io objects', () => {
  const pool = { apiVersion: 'metallb.io/v1beta1', kind: 'IPAddressPool', metadata: { name: 'p' }, spec: { addresses: ['10.0.0.0/24'], autoAsign: false } };

  test('from files they are errors, as kubectl apply (strict field validation) refuses them', () => {
    const { code, lines } = validate(join(CORPUS, 'invalid', 'pool-unknown-field.yaml'));
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/IPAddressPool\/pool\.spec\.autoAsign: unknown field "autoAsign" \(did you mean "autoAssign"\?\)$/);
  });

  test('from the API (already admitted, e.g. under older CRDs) they stay warnings: the config is not rejected', () => {
    const result = buildConfig([{ object: pool, file: 'ipaddresspool/metallb-system/p' }]);
    expect(result.config?.pools.map((p) => p.name)).toEqual(['p']);
    expect(result.issues.find((i) => i.path === 'IPAddressPool/p.spec.autoAsign')).toMatchObject({ severity: 'warning' });
  });
});
