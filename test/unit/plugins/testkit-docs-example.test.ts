// docs/plugins.md's testkit example runs as written: its plugin and both test files, with the package entries mapped to src/.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..', '..');
const FILES = ['src/index.ts', 'test/conformance.test.ts', 'test/announcer.test.ts'];

/** The page's ```ts blocks whose first line names the file they are (`// test/conformance.test.ts: ...`). */
function exampleFiles(): Map<string, string> {
  const doc = readFileSync(join(ROOT, 'docs', 'plugins.md'), 'utf8');
  const out = new Map<string, string>();
  for (const m of doc.matchAll(/```ts\n(\/\/ ([\w/.-]+\.ts)\b[^\n]*\n[\s\S]*?)```/g)) out.set(m[2]!, m[1]!);
  return out;
}

const files = exampleFiles();
const dir = mkdtempSync(join(tmpdir(), 'plugsdk-docs-example-'));
for (const f of FILES) {
  const code = (files.get(f) ?? '')
    .replaceAll("'metallbts/plugin-testkit'", JSON.stringify(join(ROOT, 'src', 'plugin-testkit')))
    .replaceAll("'metallbts/plugin-api'", JSON.stringify(join(ROOT, 'src', 'core', 'plugin-api')));
  mkdirSync(join(dir, f, '..'), { recursive: true });
  writeFileSync(join(dir, f), code);
}

afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('the page has the plugin and both test files of the example', () => {
  expect(FILES.filter((f) => !files.has(f))).toEqual([]);
  expect(files.get('test/conformance.test.ts')).toContain('describeConformance({');
});

// Loading the example's test files here registers their tests in this file, as jest would in the author's repository.
describe('docs example: test/conformance.test.ts', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- jest must register the example's tests synchronously
  require(join(dir, 'test', 'conformance.test.ts'));
});
describe('docs example: test/announcer.test.ts', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- as above
  require(join(dir, 'test', 'announcer.test.ts'));
});
