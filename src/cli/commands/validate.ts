// `metallbts validate FILE...`: checks ConfigMap/CRD YAML offline with the same loader the controller and speaker use.
import type { Command } from 'commander';
import { loadConfigFiles } from '../config-files';
import { formatIssue } from '../../core/config';

export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
export const EXIT_USAGE = 2;

export interface ValidateIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  readFile?: (path: string) => string;
}

export interface ValidateOptions {
  /** Third-party plugin modules (paths from the working directory, or packages) whose protocols count as installed. */
  plugins?: string[];
}

/** Validates the files; prints one `FILE:PATH: message` line per problem on stdout; returns the exit code. */
export function runValidate(files: string[], io: ValidateIo, opts: ValidateOptions = {}): number {
  if (files.length === 0) {
    io.stderr('metallbts validate: no files given (usage: metallbts validate FILE...)');
    return EXIT_USAGE;
  }
  const result = loadConfigFiles('validate', files, opts.plugins, io);
  if (!result) return EXIT_USAGE;
  // Grouped by file in command-line order; within a file, in the order found.
  const order = new Map(files.map((f, i) => [f, i] as const));
  const rank = (file: string | undefined): number => (file === undefined ? -1 : (order.get(file) ?? files.length));
  const issues = result.issues.map((issue, i) => ({ issue, i })).sort((a, b) => rank(a.issue.file) - rank(b.issue.file) || a.i - b.i);
  for (const { issue } of issues) io.stdout(formatIssue(issue));
  const errors = result.issues.filter((i) => i.severity === 'error').length;
  const warnings = result.issues.length - errors;
  if (errors > 0) {
    io.stderr(`${errors} error(s), ${warnings} warning(s): configuration is invalid`);
    return EXIT_INVALID;
  }
  const pools = result.config?.pools.length ?? 0;
  io.stderr(`configuration is valid: ${pools} pool(s)${warnings ? `, ${warnings} warning(s)` : ''}`);
  return EXIT_VALID;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

export function register(program: Command): void {
  program
    .command('validate')
    .description('check MetalLB configuration files (ConfigMap and/or metallb.io CRDs); exit 0 valid, 1 invalid, 2 usage')
    .argument('[files...]', 'YAML files (multi-document, kind: List, or bare ConfigMap config text)')
    // Repeatable rather than variadic, so `--plugin ./p.js config.yaml` does not take the file for a module.
    .option('--plugin <module>', 'third-party announcement plugin module (path or package; repeat for several): its protocol counts as installed and its validate runs', collect, [])
    .action((files: string[], options: { plugin: string[] }) => {
      process.exitCode = runValidate(
        files,
        { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) },
        { plugins: options.plugin },
      );
    });
}
