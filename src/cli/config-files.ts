// Loads the config files an offline command (validate, plan) is given, checked against the plugins it names.
import { readFileSync } from 'node:fs';
import { loadConfig, type ConfigSource, type LoadResult } from '../core/config';
import { createPluginRegistry } from './builtin-plugins';
import { configOptionsFor } from './config-options';

export interface ConfigFilesIo {
  stderr: (line: string) => void;
  readFile?: (path: string) => string;
}

/**
 * Loads `files` with the protocols of the built-ins and of `plugins`. Undefined, after one `metallbts COMMAND: ...`
 * line on stderr, when a plugin module cannot be loaded or a file cannot be read (a usage error).
 */
export function loadConfigFiles(command: string, files: string[], plugins: string[] | undefined, io: ConfigFilesIo): LoadResult | undefined {
  let registry;
  try {
    registry = createPluginRegistry(plugins ?? []);
  } catch (err) {
    io.stderr(`metallbts ${command}: ${(err as Error).message}`);
    return undefined;
  }
  const read = io.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const sources: ConfigSource[] = [];
  for (const file of files) {
    try {
      sources.push({ file, text: read(file) });
    } catch (err) {
      io.stderr(`metallbts ${command}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return undefined;
    }
  }
  return loadConfig(sources, configOptionsFor(registry));
}
