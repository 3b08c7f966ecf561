// Runs `metallbts <command>` in-process with stdout/stderr captured; registers its own beforeEach/afterEach.
import { main } from '../../src/cli/main';

export interface CapturedCli {
  /** Runs `metallbts <args…>` and returns the exit code it set. */
  run(...args: string[]): Promise<number | string | undefined>;
  /** Everything written to stdout since the last clear. */
  stdout(): string;
  /** Everything written to stderr since the last clear. */
  stderr(): string;
  /** Forgets what was written so far (between two runs in one test). */
  clear(): void;
}

/** Call inside a describe: each test starts with no exit code and silent, recorded stdout/stderr. */
export function captureCli(): CapturedCli {
  let stdout: jest.SpyInstance | undefined;
  let stderr: jest.SpyInstance | undefined;
  const written = (spy: jest.SpyInstance | undefined): string => (spy?.mock.calls ?? []).map((c: unknown[]) => String(c[0])).join('');

  beforeEach(() => {
    process.exitCode = undefined;
    stdout = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  });
  afterEach(() => {
    stdout?.mockRestore();
    stderr?.mockRestore();
    process.exitCode = undefined;
  });

  return {
    async run(...args) {
      await main(['node', 'metallbts', ...args]);
      return process.exitCode;
    },
    stdout: () => written(stdout),
    stderr: () => written(stderr),
    clear() {
      stdout?.mockClear();
      stderr?.mockClear();
    },
  };
}
