// L2Advertisement annotation metallb.io/subnet-aware: "false" opts that advertisement out of subnet-aware layer 2.
import { BUILTIN_PROTOCOLS, formatIssue, loadConfig } from '../../../src/core/config';
import { subnetAwareFor } from '../../../plugins/layer2/owner-election';

const objects = (annotation?: string): string => `
apiVersion: metallb.io/v1beta1
kind: IPAddressPool
metadata: { name: lan2, namespace: metallb-system }
spec: { addresses: [192.168.2.240/28] }
---
apiVersion: metallb.io/v1beta1
kind: L2Advertisement
metadata:
  name: lan2
  namespace: metallb-system
${annotation === undefined ? '' : `  annotations: { metallb.io/subnet-aware: ${JSON.stringify(annotation)} }`}
spec: { ipAddressPools: [lan2] }
`;

describe('metallb.io/subnet-aware on an L2Advertisement', () => {
  it('"false" opts out; absent or "true" keeps the plugin option', () => {
    const off = loadConfig([{ file: 'l2.yaml', text: objects('false') }], BUILTIN_PROTOCOLS).config?.l2Advertisements ?? [];
    expect(off[0]!.subnetAware).toBe(false);
    expect(subnetAwareFor(off, true)).toBe(false);
    const plain = loadConfig([{ file: 'l2.yaml', text: objects() }], BUILTIN_PROTOCOLS).config?.l2Advertisements ?? [];
    expect(plain[0]!.subnetAware).toBeUndefined();
    expect(subnetAwareFor(plain, true)).toBe(true);
    expect(subnetAwareFor(plain, false)).toBe(false);
    const on = loadConfig([{ file: 'l2.yaml', text: objects('true') }], BUILTIN_PROTOCOLS).config?.l2Advertisements ?? [];
    expect(subnetAwareFor(on, true)).toBe(true);
  });

  it('another value is a located warning and is ignored', () => {
    const r = loadConfig([{ file: 'l2.yaml', text: objects('no') }], BUILTIN_PROTOCOLS);
    expect(r.config?.l2Advertisements[0]!.subnetAware).toBeUndefined();
    expect(r.issues.map(formatIssue)).toContain('l2.yaml:L2Advertisement/lan2.metadata.annotations.metallb.io/subnet-aware: warning: must be "true" or "false", got "no"; ignored');
  });
});
