// Limits for isolated (worker-thread) plugins: call time limits, restart backoff, memory; defaults and env overrides.

export interface IsolationOptions {
  /** setConfig, setBalancer, deleteBalancer, create, shutdown (ms). */
  callTimeoutMs: number;
  /** shouldAnnounce, validate, status: meant to be quick (ms). */
  quickTimeoutMs: number;
  /** Importing the module (ms). */
  loadTimeoutMs: number;
  /** First restart delay; doubles per consecutive failure up to `backoffMaxMs`. */
  backoffInitialMs: number;
  backoffMaxMs: number;
  /** How often the worker's status is polled (also finds a worker stuck outside any call). */
  heartbeatMs: number;
  /** Worker heap limit: a plugin that leaks is ended, not the speaker. */
  maxOldGenerationSizeMb: number;
  /** What an infrastructure failure of `validate` is: an `error` (controller, `validate` CLI) or a `warning` (speaker). */
  validateFailure: 'error' | 'warning';
}

export const DEFAULT_ISOLATION: IsolationOptions = {
  callTimeoutMs: 10_000,
  quickTimeoutMs: 2_000,
  loadTimeoutMs: 10_000,
  backoffInitialMs: 1_000,
  backoffMaxMs: 60_000,
  heartbeatMs: 5_000,
  maxOldGenerationSizeMb: 256,
  validateFailure: 'error',
};

/** Env names (documented in docs/plugins.md) → option. */
const ENV: Array<[string, keyof IsolationOptions]> = [
  ['METALLBTS_PLUGIN_CALL_TIMEOUT_MS', 'callTimeoutMs'],
  ['METALLBTS_PLUGIN_QUICK_TIMEOUT_MS', 'quickTimeoutMs'],
  ['METALLBTS_PLUGIN_LOAD_TIMEOUT_MS', 'loadTimeoutMs'],
  ['METALLBTS_PLUGIN_BACKOFF_INITIAL_MS', 'backoffInitialMs'],
  ['METALLBTS_PLUGIN_BACKOFF_MAX_MS', 'backoffMaxMs'],
  ['METALLBTS_PLUGIN_HEARTBEAT_MS', 'heartbeatMs'],
  ['METALLBTS_PLUGIN_MAX_OLD_MB', 'maxOldGenerationSizeMb'],
];

/** Overrides from the environment; a value that is not a positive integer is an error naming the variable. */
export function isolationFromEnv(env: NodeJS.ProcessEnv = process.env): Partial<IsolationOptions> {
  const out: Partial<Record<keyof IsolationOptions, number>> = {};
  for (const [name, key] of ENV) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    if (!/^\d+$/.test(raw) || Number(raw) <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
    out[key] = Number(raw);
  }
  return out as Partial<IsolationOptions>;
}
