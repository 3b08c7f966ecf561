// Finds the timers, sockets and other handles a plugin created (directly or from its callbacks) that are still open.
import { AsyncLocalStorage, createHook, type AsyncHook } from 'node:async_hooks';

/** Handle kinds that keep working after their creator forgot them (promises and one-shot requests are not tracked). */
const HANDLE_TYPES = new Set([
  'Timeout',
  'Immediate',
  'TCPWRAP',
  'TCPSERVERWRAP',
  'UDPWRAP',
  'PIPEWRAP',
  'PIPESERVERWRAP',
  'FSEVENTWRAP',
  'STATWATCHER',
  'PROCESSWRAP',
  'SIGNALWRAP',
  'TTYWRAP',
  'WORKER',
  'MESSAGEPORT',
]);

interface Tracked {
  type: string;
  /** The first stack frame outside Node's internals and this file: where the plugin created it. */
  where: string;
  /** The Timeout or Immediate object, so a leaked timer can be stopped once reported. */
  timer?: unknown;
}

/**
 * Tracks handles created inside {@link ResourceTracker.run} — and, through async context, by any callback
 * those calls scheduled — until they are closed, so a test can list what is still open after `shutdown`.
 */
export class ResourceTracker {
  private readonly scope = new AsyncLocalStorage<ResourceTracker>();
  private readonly live = new Map<number, Tracked>();
  private hook: AsyncHook | undefined;

  constructor(private readonly ignoredTypes: readonly string[] = []) {}

  /** Starts listening for handle creation (idempotent). */
  start(): void {
    if (this.hook) return;
    this.hook = createHook({
      init: (asyncId, type, _trigger, resource) => {
        if (!HANDLE_TYPES.has(type) || this.ignoredTypes.includes(type)) return;
        if (this.scope.getStore() !== this) return;
        const timer = type === 'Timeout' || type === 'Immediate' ? resource : undefined;
        this.live.set(asyncId, { type, where: creationSite(), timer });
      },
      destroy: (asyncId) => {
        this.live.delete(asyncId);
      },
    });
    this.hook.enable();
  }

  /** Stops listening; what is live stays listed. */
  stop(): void {
    this.hook?.disable();
    this.hook = undefined;
  }

  /** Runs `fn` (a call into the plugin) so that the handles it creates are attributed to the plugin. */
  run<T>(fn: () => T): T {
    return this.scope.run(this, fn);
  }

  /** The plugin's handles that are still open, as `Timeout created at file:line:col`. */
  openHandles(): string[] {
    return [...this.live.values()].map((t) => `${t.type} created at ${t.where}`);
  }

  /** Stops the leaked timers and immediates (after they were reported), so a test run is not kept alive by them. */
  stopOpenTimers(): void {
    for (const t of this.live.values()) {
      if (t.type === 'Timeout') clearTimeout(t.timer as NodeJS.Timeout);
      if (t.type === 'Immediate') clearImmediate(t.timer as NodeJS.Immediate);
    }
  }
}

function creationSite(): string {
  const frames = (new Error().stack ?? '').split('\n').slice(1).map((l) => l.trim().replace(/^at /, ''));
  const own = frames.find((f) => !f.includes('node:') && !f.includes('resource-tracker') && !f.includes('(<anonymous>)'));
  return own ?? frames[0] ?? 'an unknown place';
}
