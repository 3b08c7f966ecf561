import type { Command } from 'commander';
import { VERSION } from '../../version';

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the metallbts version')
    .action(() => {
      process.stdout.write(`metallbts ${VERSION}\n`);
    });
}
