// The `metallbts` command line: one commander program, one module per subcommand.
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Exit code for usage errors (validate: 0 valid, 1 invalid, 2 usage). */
export const EXIT_USAGE = 2;

/** Builds the program; with `only`, loads just that subcommand's module (each file is named after its command). */
export function buildProgram(only?: string): Command {
  const program = new Command();
  program.name('metallbts').description('network load-balancer for bare-metal Kubernetes (MetalLB-compatible)');
  program.exitOverride();
  // Each module in ./commands exports register(program); discovery keeps subcommands independent.
  const dir = join(__dirname, 'commands');
  const files = readdirSync(dir).filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts')).sort();
  // Loading one command keeps e.g. `bgp announce` from paying for the Kubernetes client's memory.
  const selected = files.filter((f) => f.replace(/\.(js|ts)$/, '') === only);
  for (const file of selected.length > 0 ? selected : files) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(dir, file)) as { register?: (p: Command) => void };
    mod.register?.(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram(argv[2]);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = 0;
        return;
      }
      process.exitCode = EXIT_USAGE;
      return;
    }
    process.stderr.write(`metallbts: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  }
}
