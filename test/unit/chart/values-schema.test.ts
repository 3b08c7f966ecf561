// values.yaml and values.schema.json cannot drift: same keys, strict objects, defaults that validate; the README table follows both.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CHART_DIR, TABLE_END, TABLE_START, isPlainObject, loadChartSchema, loadChartValues, resolve, typesOf, valuesTable, type SchemaNode,
} from '../../support/chart-values';

const schema = loadChartSchema();
const values = loadChartValues();

/** Keys helm adds itself: `global` at the top and in each subchart's section. */
const HELM_KEYS = new Set(['/global', '/crds/global']);
/** Free-form objects on purpose, each validated elsewhere. */
const FREE_FORM: Record<string, string> = {
  '/global': 'helm globals',
  '/crds/global': 'helm globals',
  '/configInline': 'the legacy MetalLB config, validated by the components and `metallbts validate`',
  '/speaker/plugins/*/options': "the plugin's own options, validated by the plugin",
  '/controller/networkPolicy/metricsFrom/*': 'a Kubernetes NetworkPolicyPeer, validated by the API server',
  '#affinity/nodeAffinity': 'Kubernetes NodeAffinity, validated by the API server',
  '#affinity/podAffinity': 'Kubernetes PodAffinity, validated by the API server',
  '#affinity/podAntiAffinity': 'Kubernetes PodAntiAffinity, validated by the API server',
  '#env/*/valueFrom': 'a Kubernetes EnvVarSource, validated by the API server',
};

function typeOk(s: SchemaNode, v: unknown): boolean {
  const types = typesOf(s);
  if (types.length === 0) return true;
  return types.some((t) =>
    t === 'object' ? isPlainObject(v)
      : t === 'array' ? Array.isArray(v)
        : t === 'integer' ? Number.isInteger(v)
          : t === 'null' ? v === null
            : typeof v === t);
}

/** Every problem found walking values.yaml against the schema, as "path: message". */
function drift(): string[] {
  const problems: string[] = [];
  // `ours`: keys the chart defines; inside Kubernetes types ($ref) and list items, optional fields need no default.
  const walk = (node: SchemaNode, value: unknown, path: string, ours = true): void => {
    const s = resolve(schema, node);
    const inside = ours && !node.$ref;
    if (!typeOk(s, value)) problems.push(`${path || '/'}: default ${JSON.stringify(value)} is not ${typesOf(s).join('|')}`);
    if (s.enum && !s.enum.includes(value)) problems.push(`${path}: default ${JSON.stringify(value)} not in enum ${JSON.stringify(s.enum)}`);
    if (s.properties && isPlainObject(value)) {
      for (const [k, v] of Object.entries(value)) {
        const child = s.properties[k];
        if (!child) problems.push(`${path}/${k}: in values.yaml but not described in the schema`);
        else walk(child, v, `${path}/${k}`, inside);
      }
      for (const k of Object.keys(s.properties)) {
        if (inside && !(k in value) && !HELM_KEYS.has(`${path}/${k}`)) problems.push(`${path}/${k}: in the schema but has no default in values.yaml`);
      }
    }
    if (Array.isArray(value) && s.items) value.forEach((v, i) => walk(s.items as SchemaNode, v, `${path}/${i}`, false));
  };
  walk(schema, values, '');
  return problems;
}

/** Objects in the schema that would accept an unknown key without saying so. */
function looseObjects(): string[] {
  const loose: string[] = [];
  const visit = (s: SchemaNode, path: string): void => {
    if (typesOf(s).includes('object')) {
      const ap = s.additionalProperties;
      const strict = ap === false || (isPlainObject(ap) && typesOf(ap as SchemaNode).length > 0);
      if (!strict && !(path in FREE_FORM)) loose.push(path);
      if (s.properties && ap !== false) loose.push(`${path} (has properties but allows others)`);
    }
    for (const [k, child] of Object.entries(s.properties ?? {})) visit(child, `${path}/${k}`);
    if (s.items) visit(s.items, `${path}/*`);
  };
  visit({ ...schema, definitions: undefined }, '');
  for (const [name, def] of Object.entries(schema.definitions ?? {})) visit(def, `#${name}`);
  return loose;
}

describe('values.schema.json against values.yaml', () => {
  test('every key of values.yaml is described in the schema and every described key has a default, of the right type', () => {
    expect(drift()).toEqual([]);
  });

  test('the walk finds drift in both directions (a key missing on either side is reported)', () => {
    const saved = JSON.stringify(values);
    try {
      (values.speaker as Record<string, unknown>).tolerate = 'x';
      delete (values.controller as Record<string, unknown>).podLabels;
      (values as Record<string, unknown>).logLevel = 'loud';
      expect(drift().sort()).toEqual([
        '/controller/podLabels: in the schema but has no default in values.yaml',
        '/logLevel: default "loud" not in enum ["trace","debug","info","warn","error","fatal","silent"]',
        '/speaker/tolerate: in values.yaml but not described in the schema',
      ]);
    } finally {
      const restored = JSON.parse(saved) as Record<string, unknown>;
      for (const k of Object.keys(values)) delete values[k];
      Object.assign(values, restored);
    }
  });

  test('strict at every level: each object refuses unknown keys, except the listed pass-through objects', () => {
    expect(looseObjects()).toEqual([]);
    expect(schema.additionalProperties).toBe(false);
  });

  test('every key has a description (the README table shows it)', () => {
    const missing: string[] = [];
    const visit = (node: SchemaNode, path: string): void => {
      for (const [k, child] of Object.entries(node.properties ?? {})) {
        if (!child.description) missing.push(`${path}/${k}`);
        visit(resolve(schema, child), `${path}/${k}`);
      }
    };
    visit(schema, '');
    expect(missing).toEqual([]);
  });

  test('speaker.memberlist.keyDerivation: MetalLB >= 0.16.2 by default, the legacy derivation allowed', () => {
    const km = (schema.properties?.speaker?.properties?.memberlist?.properties?.keyDerivation ?? {}) as SchemaNode;
    expect(km.enum).toEqual(['metallb-v0.16.2', 'metallb-legacy']);
    expect(((values.speaker as Record<string, Record<string, unknown>>).memberlist)!.keyDerivation).toBe('metallb-v0.16.2');
  });

  test('the README values table is generated from values.yaml and the schema (UPDATE_CHART_README=1 rewrites it)', () => {
    const path = join(CHART_DIR, 'README.md');
    const text = readFileSync(path, 'utf8');
    const start = text.indexOf(TABLE_START);
    const end = text.indexOf(TABLE_END);
    expect([start >= 0, end > start]).toEqual([true, true]);
    const table = valuesTable(schema, values);
    const expected = `${text.slice(0, start + TABLE_START.length)}\n${table}\n${text.slice(end)}`;
    if (process.env.UPDATE_CHART_README === '1') writeFileSync(path, expected);
    expect(text).toBe(expected);
  });
});
