// The `metallbts` command line: one commander program, one module per subcommand.
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Exit code for usage errors (validate: 0 valid, 1 invalid, 2 usage). */
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command();
  program.name('metallbts').description('network load-balancer for bare-metal Kubernetes (MetalLB-compatible)');
  program.exitOverride();
  // Each module in ./commands exports register(program); discovery keeps subcommands independent.
  const dir = join(__dirname, 'commands');
  for (const file of readdirSync(dir).sort()) {
    if (!/\.(js|ts)$/.test(file) || file.endsWith('.d.ts')) continue;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(join(dir, file)) as { register?: (p: Command) => void };
    mod.register?.(program);
  }
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
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
