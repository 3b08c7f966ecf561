// The `metallbts` command line: one commander program, one module per subcommand.
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import { registerVersion } from './commands/version';

/** Exit code for usage errors (validate: 0 valid, 1 invalid, 2 usage). */
export const EXIT_USAGE = 2;

export function buildProgram(): Command {
  const program = new Command();
  program.name('metallbts').description('network load-balancer for bare-metal Kubernetes (MetalLB-compatible)');
  program.exitOverride();
  registerVersion(program);
  // subcommands: add one line per command module below
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
