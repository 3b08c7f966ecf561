// The conformance checks that need no plugin instance: the module's shape and what `validate` returns.
import { PLUGIN_API_VERSION, type AnnouncerPlugin, type ConfigIssue, type PoolConfigView } from '../core/plugin-api';

const PROTOCOL_NAME = /^[a-z0-9][a-z0-9-]*$/;

/** Problems with the exported plugin object itself (what the speaker's registry would refuse). */
export function shapeProblems(plugin: AnnouncerPlugin): string[] {
  const problems: string[] = [];
  const p = plugin as Partial<AnnouncerPlugin> | undefined;
  if (typeof p !== 'object' || p === null) return ['the plugin is not an object'];
  if (typeof p.protocol !== 'string' || !PROTOCOL_NAME.test(p.protocol)) {
    problems.push(`protocol ${JSON.stringify(p.protocol)} must be lower-case letters, digits and dashes`);
  }
  if (p.apiVersion !== PLUGIN_API_VERSION) {
    problems.push(`apiVersion is ${JSON.stringify(p.apiVersion)}, this metallbts implements plugin API ${PLUGIN_API_VERSION}`);
  }
  if (p.aliases !== undefined && (!Array.isArray(p.aliases) || p.aliases.some((a) => typeof a !== 'string' || !PROTOCOL_NAME.test(a)))) {
    problems.push('aliases must be an array of protocol names (lower-case letters, digits and dashes)');
  }
  if (typeof p.create !== 'function') problems.push('create must be a function');
  if (p.validate !== undefined && typeof p.validate !== 'function') problems.push('validate, when present, must be a function');
  return problems;
}

/**
 * Why an issue is not located and well-formed: severity `error` or `warning`, a string `path` (empty means
 * the pool itself), a non-empty `message`, and `file` a string when present.
 */
export function issueProblems(issue: unknown): string[] {
  if (typeof issue !== 'object' || issue === null) return [`issue ${JSON.stringify(issue)} is not an object`];
  const i = issue as Partial<ConfigIssue>;
  const problems: string[] = [];
  const shown = JSON.stringify(issue);
  if (i.severity !== 'error' && i.severity !== 'warning') problems.push(`issue ${shown}: severity must be "error" or "warning"`);
  if (typeof i.path !== 'string') problems.push(`issue ${shown} is not located: path must be a string (the field, e.g. "IPAddressPool/a.spec.addresses[0]"; "" for the pool)`);
  if (typeof i.message !== 'string' || i.message.trim() === '') problems.push(`issue ${shown}: message must be a non-empty string`);
  if (i.file !== undefined && typeof i.file !== 'string') problems.push(`issue ${shown}: file, when present, must be a string`);
  return problems;
}

/** Calls `validate` for one pool; a throw or a non-array result is a problem. */
function runValidate(plugin: AnnouncerPlugin, view: PoolConfigView, problems: string[]): ConfigIssue[] | undefined {
  let issues: unknown;
  try {
    issues = plugin.validate?.(view);
  } catch (err) {
    problems.push(`validate threw for pool "${view.pool.name}": ${(err as Error).message ?? String(err)}`);
    return undefined;
  }
  if (!Array.isArray(issues)) {
    problems.push(`validate returned ${JSON.stringify(issues)} for pool "${view.pool.name}", not an array of issues`);
    return undefined;
  }
  for (const issue of issues) problems.push(...issueProblems(issue).map((p) => `pool "${view.pool.name}": ${p}`));
  return issues as ConfigIssue[];
}

/** `validate` accepts every valid pool (warnings allowed), rejects every invalid one with an error, always with located issues, and answers the same twice. */
export function validateProblems(plugin: AnnouncerPlugin, valid: PoolConfigView[], invalid: PoolConfigView[]): string[] {
  const problems: string[] = [];
  if (typeof plugin.validate !== 'function') {
    if (invalid.length > 0) problems.push('invalidPools were given but the plugin has no validate()');
    return problems;
  }
  for (const view of valid) {
    const issues = runValidate(plugin, view, problems);
    if (!issues) continue;
    const errors = issues.filter((i) => i.severity === 'error');
    if (errors.length > 0) problems.push(`validate rejected the valid pool "${view.pool.name}": ${errors.map((e) => e.message).join('; ')}`);
    const again = runValidate(plugin, view, []);
    if (again && JSON.stringify(again) !== JSON.stringify(issues)) problems.push(`validate answered differently twice for pool "${view.pool.name}" (it must be a pure function of the view)`);
  }
  for (const view of invalid) {
    const issues = runValidate(plugin, view, problems);
    if (issues && !issues.some((i) => i.severity === 'error')) problems.push(`validate accepted the invalid pool "${view.pool.name}" (no issue of severity "error")`);
  }
  return problems;
}

