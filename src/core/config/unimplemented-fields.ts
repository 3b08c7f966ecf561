// Fields metallbts parses but does not implement yet: one list for `validate`/controller warnings and the chart's admission policy.
import type { FieldReader } from './field-reader';

export interface UnimplementedField {
  kind: 'BGPPeer' | 'BFDProfile';
  /** Field under spec; undefined = the whole object kind. */
  field?: 'echoMode';
  /** Warning text; the chart's ValidatingAdmissionPolicy prints the same after `spec.<field>: ` (or `<kind>: `). */
  message: string;
}

/**
 * Keep equal to charts/metallbts/charts/crds/templates/unimplemented-fields-policy.yaml (a unit test checks).
 * Remove an entry from both when its feature lands.
 */
export const UNIMPLEMENTED_FIELDS: readonly UnimplementedField[] = [
  // BFD itself is native (plugins/bgp/bfd); echo packets would have to loop through the peer's forwarding plane.
  {
    kind: 'BFDProfile',
    field: 'echoMode',
    message: 'BFD echo mode is not implemented by metallbts yet; sessions run in asynchronous mode only and echoInterval has no effect',
  },
];

/** Whether a field's value turns the feature on (false/empty are the defaults and need no warning). */
function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false && value !== '';
}

/**
 * Warns about every unimplemented field of `kind` the object sets (`key` spells a field in the object's form);
 * a kind-wide entry is reported at `objectPath`.
 */
export function warnUnimplemented(kind: UnimplementedField['kind'], r: FieldReader, key: (camel: string) => string, objectPath = r.path): void {
  for (const u of UNIMPLEMENTED_FIELDS) {
    if (u.kind !== kind) continue;
    if (u.field === undefined) r.sink.at(r.sink.file, 'warning', objectPath, u.message);
    else if (isSet(r.value[key(u.field)])) r.sink.warning(r.pathOf(key(u.field)), u.message);
  }
}
