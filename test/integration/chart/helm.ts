// Runs the real helm binary on the chart and parses what it renders (shared by the chart tests).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import { binPath } from '../../harness/bins';

export const ROOT = join(__dirname, '..', '..', '..');
export const CHART = join(ROOT, 'charts', 'metallbts');
export const valuesFile = (name: string): string => join(ROOT, 'values', name);

export interface HelmResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A rendered Kubernetes object; fields are read loosely by the tests. */
export interface K8sDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [k: string]: unknown;
}

export function helm(args: string[], env: NodeJS.ProcessEnv = {}): Promise<HelmResult> {
  return new Promise((resolve) => {
    execFile(binPath('helm'), args, { timeout: 120_000, maxBuffer: 32 * 1024 * 1024, env: { ...process.env, ...env } }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `helm template` into metallb-system; fails the test on any error output. */
export async function render(extra: string[] = []): Promise<K8sDoc[]> {
  const r = await helm(['template', 'metallbts', CHART, '-n', 'metallb-system', ...extra]);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return yaml.loadAll(r.stdout).filter((d): d is K8sDoc => !!d);
}

export function find(docs: K8sDoc[], kind: string, name: string): K8sDoc {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
  if (!d) throw new Error(`no ${kind} ${name} rendered (have: ${docs.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')})`);
  return d;
}

/** Writes values to a temporary file for `-f` (the tests' overrides, readable in a failure message). */
export function tempValues(values: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'chart-values-')), 'values.yaml');
  writeFileSync(path, yaml.dump(values));
  return path;
}

/* eslint-disable @typescript-eslint/no-explicit-any */
/** An object's spec. */
export const specOf = (d: K8sDoc): any => (d as any).spec;
/** The pod spec of a Deployment or DaemonSet. */
export const podSpec = (d: K8sDoc): any => (d as any).spec.template.spec;
export const podMeta = (d: K8sDoc): any => (d as any).spec.template.metadata;
export const mainContainer = (d: K8sDoc): any => podSpec(d).containers[0];
/* eslint-enable @typescript-eslint/no-explicit-any */
