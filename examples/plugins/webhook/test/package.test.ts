// The package is self-contained: at run time it needs only Node (the chart's init container copies it alone).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import plugin, * as entry from '../src';

test('sources import values only from node: built-ins and each other (metallbts/plugin-api for types only)', () => {
  const dir = join(__dirname, '..', 'src');
  const valueImports: string[] = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    const text = readFileSync(join(dir, f), 'utf8');
    for (const m of text.matchAll(/^(import|export)\s+(?!type\b)[^;]*?\bfrom\s+'([^']+)'/gms)) {
      if (!m[2]!.startsWith('node:') && !m[2]!.startsWith('./')) valueImports.push(`${f}: ${m[2]}`);
    }
  }
  expect(valueImports).toEqual([]);
});

test('the module exports the plugin as default and as `plugin`, for the API version the speaker checks', () => {
  expect(entry.plugin).toBe(plugin);
  expect(plugin).toMatchObject({ protocol: 'webhook', apiVersion: 1 });
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { main: string; peerDependencies: Record<string, string> };
  expect(pkg.main).toBe('dist/index.js');
  expect(Object.keys(pkg.peerDependencies)).toEqual(['metallbts']);
});
