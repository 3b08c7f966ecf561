// Runs API Extractor on the built .d.ts of each public entry: checks them against api/*.api.md or regenerates those.
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Extractor, ExtractorConfig, ExtractorLogLevel } from '@microsoft/api-extractor';
import { judgeSurface, type SurfaceVerdict } from './api-surface';

/** The repository root, from test/support (jest) or dist/test/support (`npm run api:report`). */
function findRoot(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) if (existsSync(join(dir, 'api', 'api-extractor.base.json'))) return dir;
  throw new Error(`no api/api-extractor.base.json above ${from}`);
}
const ROOT = findRoot(__dirname);

/** The package's public entries (package.json `exports`); only plugin-api carries PLUGIN_API_VERSION. */
export const API_ENTRIES = [
  { name: 'plugin-api', versioned: true },
  { name: 'plugin-testkit', versioned: false },
  { name: 'memberlist', versioned: false },
] as const;

/** One entry's extracted surface and how it compares with the checked-in report. */
export interface EntrySurface {
  name: string;
  /** The report as the built .d.ts give it now. */
  current: string;
  /** api/<name>.api.md as checked in (undefined when missing). */
  checkedIn: string | undefined;
  reportPath: string;
  tempPath: string;
  verdict: SurfaceVerdict;
  /** API Extractor's warnings and errors (forgotten exports, compiler errors in the .d.ts). */
  messages: string[];
}

/** Extracts one entry's surface from dist/ (never writes api/) and judges it. */
export function extractEntry(name: string, versioned: boolean, root: string = ROOT): EntrySurface {
  const config = ExtractorConfig.loadFileAndPrepare(join(root, 'api', `${name}.api-extractor.json`));
  if (!existsSync(config.mainEntryPointFilePath)) {
    throw new Error(`${config.mainEntryPointFilePath} is missing: build first (npm run build, or npx tsc -p tsconfig.json)`);
  }
  const messages: string[] = [];
  Extractor.invoke(config, {
    localBuild: false,
    messageCallback: (m) => {
      // The report's own changed/missing notices are what we judge ourselves; everything else is worth seeing.
      if (!String(m.messageId).startsWith('console-api-report') && (m.logLevel === ExtractorLogLevel.Warning || m.logLevel === ExtractorLogLevel.Error)) {
        messages.push(m.text);
      }
      m.handled = true;
    },
  });
  const fileName = config.reportConfigs[0]!.fileName;
  const reportPath = join(config.reportFolder, fileName);
  const tempPath = join(config.reportTempFolder, fileName);
  const current = readFileSync(tempPath, 'utf8');
  const checkedIn = existsSync(reportPath) ? readFileSync(reportPath, 'utf8') : undefined;
  return { name, current, checkedIn, reportPath, tempPath, verdict: judgeSurface(name, checkedIn, current, versioned), messages };
}

/** `npm run api:report`: regenerates api/*.api.md, refusing a breaking plugin-api change without a version bump. */
export function main(): number {
  let status = 0;
  for (const entry of API_ENTRIES) {
    const s = extractEntry(entry.name, entry.versioned);
    for (const m of s.messages) console.error(`${entry.name}: ${m}`);
    if (s.verdict.ok) {
      console.log(`${entry.name}: api/${entry.name}.api.md is up to date`);
      continue;
    }
    if (s.verdict.message?.startsWith('breaking change')) {
      console.error(`${entry.name}: NOT updated: ${s.verdict.message}`);
      status = 1;
      continue;
    }
    copyFileSync(s.tempPath, s.reportPath);
    const d = s.verdict.diff;
    console.log(`${entry.name}: api/${entry.name}.api.md updated` + (d ? ` (${d.additive.length} added, ${d.breaking.length} breaking)` : ''));
  }
  return status;
}

if (require.main === module) process.exitCode = main();
