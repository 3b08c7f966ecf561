import type { Command } from 'commander';
import { VERSION } from '../../version';

export function register(program: Command): void {
  program
    .command('version')
    .description('print the metallbts version')
    .action(() => {
      process.stdout.write(`metallbts ${VERSION}\n`);
    });
}
