#!/usr/bin/env node
// npm test's jest: everything but test/e2e on two workers, then the e2e lab files one at a time with nothing beside them
// (their 0-failed-requests checks time TCP across ARP moves, which a loaded CPU skews). --json/--outputFile get the sum.
'use strict';
const { spawnSync } = require('node:child_process');
const { mkdtempSync, readFileSync, writeFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');
const { tmpdir } = require('node:os');

const args = process.argv.slice(2);
const outArg = args.find((a) => a.startsWith('--outputFile='));
const passthrough = args.filter((a) => a !== '--json' && !a.startsWith('--outputFile='));
const jest = require.resolve('jest/bin/jest');
const dir = mkdtempSync(join(tmpdir(), 'metallbts-jest-'));
// With test paths given (`npm test -- test/unit/x.test.ts`), one run of just those.
const phases = passthrough.some((a) => !a.startsWith('-'))
  ? [{ name: 'the given tests', args: [] }]
  : [
      { name: 'all but e2e', args: ['--testPathIgnorePatterns', '/test/e2e/'] },
      { name: 'e2e (the lab, one file at a time)', args: ['--runInBand', 'test/e2e'] },
    ];
let rc = 0;
const results = [];
for (const [i, phase] of phases.entries()) {
  const out = join(dir, `phase-${i}.json`);
  console.log(`==> jest: ${phase.name}`);
  const r = spawnSync(process.execPath, [jest, ...phase.args, ...passthrough, '--json', `--outputFile=${out}`], { stdio: 'inherit' });
  if (r.status !== 0) rc = r.status ?? 1;
  try {
    results.push(JSON.parse(readFileSync(out, 'utf8')));
  } catch {
    results.push({ numPassedTests: 0, numFailedTests: 1, numPendingTests: 0, numTotalTests: 1, testResults: [], success: false });
  }
}
const sum = (k) => results.reduce((n, r) => n + (r[k] ?? 0), 0);
const merged = {
  success: rc === 0 && results.every((r) => r.success),
  numPassedTests: sum('numPassedTests'),
  numFailedTests: sum('numFailedTests'),
  numPendingTests: sum('numPendingTests'),
  numTotalTests: sum('numTotalTests'),
  numPassedTestSuites: sum('numPassedTestSuites'),
  numFailedTestSuites: sum('numFailedTestSuites'),
  numTotalTestSuites: sum('numTotalTestSuites'),
  testResults: results.flatMap((r) => r.testResults ?? []),
};
console.log(`jest total: ${merged.numPassedTests} passed, ${merged.numFailedTests} failed, ${merged.numPendingTests} skipped`);
if (outArg) writeFileSync(outArg.slice('--outputFile='.length), JSON.stringify(merged));
rmSync(dir, { recursive: true, force: true });
process.exit(rc);
