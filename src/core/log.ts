// JSON-line logs with MetalLB's keys (ts, level, caller, event, msg) so operators can grep the same events.
import pino from 'pino';

/** A pino logger writing JSON lines with MetalLB's keys (`ts`, `level`, `caller`, `event`, `msg`). */
export type Logger = pino.Logger;

export interface LogOptions {
  level?: string;
  /** Where lines go; stderr keeps stdout free for command output. */
  destination?: NodeJS.WritableStream | number;
}

/** Creates the root logger; pass `caller` in child bindings (`log.child({ caller: 'allocator' })`). */
export function createLogger(opts: LogOptions = {}): Logger {
  const dest = opts.destination ?? 2;
  const stream = typeof dest === 'number' ? pino.destination({ fd: dest, sync: true }) : dest;
  return pino(
    {
      level: opts.level ?? process.env.METALLBTS_LOG_LEVEL ?? 'info',
      messageKey: 'msg',
      timestamp: () => `,"ts":"${new Date().toISOString()}"`,
      base: undefined,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
}

/** A logger that drops everything (tests, library use without logging). */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
