// Reads the chart's values.yaml and values.schema.json, walks them together, and renders the README's values table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as yaml from 'js-yaml';

export const CHART_DIR = join(__dirname, '..', '..', 'charts', 'metallbts');

export interface SchemaNode {
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaNode>;
  additionalProperties?: boolean | SchemaNode;
  items?: SchemaNode;
  enum?: unknown[];
  required?: string[];
  $ref?: string;
  definitions?: Record<string, SchemaNode>;
  [k: string]: unknown;
}

export function loadChartSchema(): SchemaNode {
  return JSON.parse(readFileSync(join(CHART_DIR, 'values.schema.json'), 'utf8')) as SchemaNode;
}

export function loadChartValues(): Record<string, unknown> {
  return yaml.load(readFileSync(join(CHART_DIR, 'values.yaml'), 'utf8')) as Record<string, unknown>;
}

/** Follows a local `#/definitions/x` reference, keeping the referring node's description. */
export function resolve(root: SchemaNode, node: SchemaNode): SchemaNode {
  if (!node.$ref) return node;
  const name = node.$ref.replace(/^#\/definitions\//, '');
  const target = root.definitions?.[name];
  if (!target) throw new Error(`schema: unresolved $ref ${node.$ref}`);
  return { ...target, description: node.description ?? target.description };
}

export const isPlainObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function typesOf(node: SchemaNode): string[] {
  if (node.type === undefined) return [];
  return Array.isArray(node.type) ? node.type : [node.type];
}

export interface ValueRow {
  key: string;
  type: string;
  default: unknown;
  description: string;
}

/** One row per leaf of values.yaml: objects with declared properties are descended, everything else is a leaf. */
export function valueRows(root: SchemaNode, values: Record<string, unknown>): ValueRow[] {
  const rows: ValueRow[] = [];
  const walk = (schema: SchemaNode, value: unknown, key: string): void => {
    const s = resolve(root, schema);
    // An object given empty in values.yaml (resources: {}) is one row: its keys are Kubernetes', not ours.
    if (s.properties && isPlainObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) {
        const child = s.properties[k];
        if (child) walk(child, v, key ? `${key}.${k}` : k);
      }
      return;
    }
    let type = typesOf(s).join(' \\| ');
    if (s.enum) type = s.enum.map((e) => `\`${String(e)}\``).join(', ');
    if (type === 'array' && s.items) {
      const it = resolve(root, s.items);
      type = `array of ${typesOf(it).join('|') || 'any'}`;
    }
    rows.push({ key, type, default: value, description: s.description ?? '' });
  };
  walk(root, values, '');
  return rows;
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown table the chart README carries between its values-table markers. */
export function valuesTable(root: SchemaNode, values: Record<string, unknown>): string {
  const lines = ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |'];
  for (const r of valueRows(root, values)) {
    lines.push(`| \`${r.key}\` | ${r.type} | \`${cell(JSON.stringify(r.default))}\` | ${cell(r.description)} |`);
  }
  return lines.join('\n');
}

export const TABLE_START = '<!-- values-table:start (generated from values.yaml and values.schema.json by test/unit/chart/values-schema.test.ts) -->';
export const TABLE_END = '<!-- values-table:end -->';
