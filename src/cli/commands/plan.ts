// `metallbts plan`: offline preview of which IP each Service gets under a config (and what changes against the present status).
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { loadConfigFiles } from '../config-files';
import { formatIssue } from '../../core/config';
import { formatPlanTable, planAllocations } from '../../core/plan/plan';
import { readServiceManifests, type ServiceManifests } from '../../core/plan/service-manifests';

export const EXIT_OK = 0;
export const EXIT_INVALID_CONFIG = 1;
export const EXIT_USAGE = 2;

export interface PlanArgs {
  config: string[];
  services?: string;
  current?: string;
  output?: string;
  lbClass?: string;
  plugins?: string[];
}

export interface PlanIo {
  stdout: (text: string) => void;
  stderr: (line: string) => void;
  readFile?: (path: string) => string;
}

function readManifests(file: string, read: (p: string) => string, io: PlanIo): ServiceManifests | undefined {
  try {
    return readServiceManifests(read(file));
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    io.stderr(`metallbts plan: ${file}: ${e.code === 'ENOENT' || e.code === 'EACCES' ? `cannot read (${e.code})` : e.message.split('\n')[0]}`);
    return undefined;
  }
}

/** Runs the plan; returns the exit code (0 ok, 1 invalid config, 2 usage or unreadable input). */
export function runPlan(args: PlanArgs, io: PlanIo): number {
  const output = args.output ?? 'table';
  if (output !== 'table' && output !== 'json') {
    io.stderr(`metallbts plan: -o must be table or json, not "${output}"`);
    return EXIT_USAGE;
  }
  if (args.config.length === 0 || (!args.services && !args.current)) {
    io.stderr('metallbts plan: usage: metallbts plan --config FILE... --services FILE [--current FILE] [-o table|json]');
    return EXIT_USAGE;
  }
  const read = io.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const loaded = loadConfigFiles('plan', args.config, args.plugins, io);
  if (!loaded) return EXIT_USAGE;
  const errors = loaded.issues.filter((i) => i.severity === 'error');
  for (const issue of loaded.issues) io.stderr(formatIssue(issue));
  if (errors.length > 0 || !loaded.config) {
    io.stderr(`${errors.length} error(s): configuration is invalid, no plan`);
    return EXIT_INVALID_CONFIG;
  }
  const desired = args.services ? readManifests(args.services, read, io) : undefined;
  const current = args.current ? readManifests(args.current, read, io) : undefined;
  if ((args.services && !desired) || (args.current && !current)) return EXIT_USAGE;
  const nsLabels = new Map([...(current?.namespaceLabels ?? []), ...(desired?.namespaceLabels ?? [])]);
  const rows = planAllocations(loaded.config.pools, desired?.services ?? current?.services ?? [], {
    current: current?.services,
    lbClass: args.lbClass,
    namespaceLabels: (ns) => nsLabels.get(ns),
  });
  io.stdout(output === 'json' ? `${JSON.stringify(rows, null, 2)}\n` : formatPlanTable(rows));
  return EXIT_OK;
}

export function register(program: Command): void {
  program
    .command('plan')
    .description('offline: which IP each Service gets under a config, or why none; with --current, which Services keep, change or lose their IP')
    .option('--config <file...>', 'configuration YAML (ConfigMap and/or metallb.io CRDs)', [])
    .option('--services <file>', 'Services YAML (multi-document, kind: List, or `kubectl get svc -A -o yaml`); Namespace objects in it supply namespace labels')
    .option('--current <file>', 'Services with their present status.loadBalancer.ingress, to preview what a config change does')
    .option('-o, --output <format>', 'table or json', 'table')
    .option('--lb-class <class>', "the controller's --lb-class (default: only Services without loadBalancerClass)")
    .option('--plugin <module...>', 'third-party announcement plugin modules (paths or packages): their protocols count as installed and their validate runs')
    .action((opts: { config: string[]; services?: string; current?: string; output: string; lbClass?: string; plugin?: string[] }) => {
      process.exitCode = runPlan(
        { config: opts.config, services: opts.services, current: opts.current, output: opts.output, lbClass: opts.lbClass, plugins: opts.plugin },
        { stdout: (t) => process.stdout.write(t), stderr: (l) => process.stderr.write(`${l}\n`) },
      );
    });
}
