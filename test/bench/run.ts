// Bench entry (`npm run bench`): finds every `*.bench.{js,ts}` next to it and awaits its exported `run()`, so each area adds benches without touching this file.
//
// `node dist/test/bench/run.js [NAME...]` runs the bench called NAME, or, when none has that exact
// name, every bench whose name starts with it (`layer2` is only the ARP bench, `layer2-` the others);
// so does `BENCH=ipam,controller`. A bench that throws is reported, the others still
// run, and the exit code is 1. Benches print their own figures; nothing is asserted.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

interface BenchModule {
  run?: () => Promise<void>;
}

function benchFiles(dir: string): string[] {
  const files = readdirSync(dir).filter((f) => /\.bench\.(js|ts)$/.test(f) && !f.endsWith('.d.ts'));
  // Compiled output has .js; when run from sources (ts-node/swc) take .ts. Never both for one bench.
  const byName = new Map<string, string>();
  for (const f of files.sort()) {
    const name = f.replace(/\.bench\.(js|ts)$/, '');
    if (!byName.has(name) || f.endsWith('.js')) byName.set(name, f);
  }
  return [...byName.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, f]) => f);
}

export async function runBenches(filters: string[]): Promise<number> {
  const all = benchFiles(__dirname);
  const nameOf = (f: string): string => f.replace(/\.bench\.(js|ts)$/, '');
  const matches = (n: string): string[] => {
    const exact = all.filter((f) => nameOf(f) === n);
    return exact.length > 0 ? exact : all.filter((f) => f.startsWith(n));
  };
  const files = filters.length === 0 ? all : all.filter((f) => filters.some((n) => matches(n).includes(f)));
  if (files.length === 0) {
    process.stderr.write(`no bench files${filters.length ? ` matching ${filters.join(', ')}` : ''} in ${__dirname}\n`);
    return 1;
  }
  let failed = 0;
  for (const file of files) {
    process.stdout.write(`\n=== ${file.replace(/\.bench\.(js|ts)$/, '')} ===\n`);
    const started = process.hrtime.bigint();
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const mod = require(join(__dirname, file)) as BenchModule;
      if (typeof mod.run !== 'function') throw new Error(`${file} does not export run(): Promise<void>`);
      await mod.run();
    } catch (err) {
      failed++;
      process.stdout.write(`FAILED: ${(err as Error).stack ?? String(err)}\n`);
    }
    const secs = Number(process.hrtime.bigint() - started) / 1e9;
    process.stdout.write(`--- ${file} took ${secs.toFixed(1)} s\n`);
  }
  return failed > 0 ? 1 : 0;
}

if (require.main === module) {
  const filters = [...process.argv.slice(2), ...(process.env.BENCH ?? '').split(',')].map((s) => s.trim()).filter(Boolean);
  runBenches(filters).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
