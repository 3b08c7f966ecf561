// A third-party plugin module loaded in worker threads: identity probed at load, validate and announcers isolated.
import type { AnnouncerPlugin, ConfigIssue, PoolConfigView, PLUGIN_API_VERSION } from '../plugin-api';
import type { Logger } from '../log';
import { IsolatedAnnouncer } from './isolated-announcer';
import { DEFAULT_ISOLATION, type IsolationOptions } from './isolation-options';
import type { PluginMeta } from './isolation-protocol';
import { PluginLoadError } from './registry';
import { PluginCallError, PluginWorkerThread } from './plugin-worker-thread';

export interface IsolatedPluginOptions extends Partial<IsolationOptions> {
  /** The protocol the operator says this module provides: used when the module cannot be loaded at start. */
  declaredProtocol?: string;
  logger?: Logger;
}

/** An AnnouncerPlugin whose code never runs on the caller's thread. */
export interface IsolatedPlugin extends AnnouncerPlugin {
  readonly isolated: true;
  /** Why the module could not be loaded at start (the plugin then stands for its declared protocol). */
  readonly loadError?: string;
}

/**
 * Loads `module` (resolved path or package name) in a worker to learn its protocol, then serves `validate` from
 * that worker and gives each `create` its own worker. A module that fails to load throws PluginLoadError, unless
 * a protocol was declared: then it stands for that protocol, its pools fail, and the speaker keeps retrying it.
 */
export function isolatedPlugin(module: string, options: IsolatedPluginOptions = {}): IsolatedPlugin {
  const opts: IsolationOptions = { ...DEFAULT_ISOLATION, ...stripUndefined(options) };
  let validator: PluginWorkerThread | undefined;
  let validatorDownUntil = 0;
  let meta: PluginMeta | undefined;
  let loadError: string | undefined;

  const startValidator = (): PluginWorkerThread => {
    const w = new PluginWorkerThread({ module, label: `module "${module}"`, nodeName: '', options: {}, maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb });
    w.onFailure = (err) => options.logger?.error({ event: 'pluginFailed', protocol: meta?.protocol ?? options.declaredProtocol, reason: err.reason, error: err.message }, 'plugin validate worker failed');
    try {
      meta = w.waitReadySync(opts.loadTimeoutMs);
    } catch (err) {
      void w.stop();
      throw err;
    }
    return w;
  };

  try {
    validator = startValidator();
    // No validate: the probe worker is not kept (a worker per plugin costs memory).
    if (!meta?.hasValidate) void validator.stop();
  } catch (err) {
    const message = `cannot load plugin module "${module}": ${(err as PluginCallError).detail ?? (err as Error).message}`;
    if (!options.declaredProtocol) throw new PluginLoadError(message);
    loadError = message;
    validatorDownUntil = Date.now() + opts.backoffInitialMs;
    options.logger?.error({ event: 'pluginFailed', protocol: options.declaredProtocol, reason: (err as PluginCallError).reason ?? 'import', error: message }, 'plugin module failed to load; its pools fail until it loads');
  }
  const protocol = meta?.protocol ?? (options.declaredProtocol as string);
  if (meta && options.declaredProtocol && meta.protocol !== options.declaredProtocol) {
    void validator?.stop();
    throw new PluginLoadError(`plugin module "${module}" provides protocol "${meta.protocol}", but "${options.declaredProtocol}" was declared for it`);
  }

  /**
   * The validate worker, started again (after a backoff) when it died. Where failures are only warnings (the speaker)
   * it is started in the background, so the speaker's thread never waits for an import.
   */
  const liveValidator = (): PluginWorkerThread => {
    if (validator?.alive && (validator.meta || opts.validateFailure === 'error')) return validator;
    if (validator?.alive) throw new PluginCallError(`plugin "${protocol}" is still loading`, 'crash');
    if (Date.now() < validatorDownUntil) throw new PluginCallError(`plugin "${protocol}" is not running (restarting)`, 'crash');
    validatorDownUntil = Date.now() + opts.backoffInitialMs;
    if (opts.validateFailure === 'error') {
      validator = startValidator();
      return validator;
    }
    const w = new PluginWorkerThread({ module, label: `module "${module}"`, nodeName: '', options: {}, maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb });
    w.ready.then((m) => (meta ??= m), () => undefined);
    validator = w;
    throw new PluginCallError(`plugin "${protocol}" is loading`, 'crash');
  };

  const validate = (view: PoolConfigView): ConfigIssue[] => {
    if (meta && !meta.hasValidate) return [];
    try {
      const w = liveValidator();
      if (!meta?.hasValidate) return [];
      return w.callSync('validate', [view], opts.quickTimeoutMs) as ConfigIssue[];
    } catch (err) {
      const e = err as PluginCallError;
      // A plugin's own error stays an error; a plugin that cannot answer is a warning where the config was checked already.
      if (opts.validateFailure === 'warning' && e.reason !== 'rejected') {
        return [{ severity: 'warning', path: '', message: `plugin "${protocol}" could not validate the pool: ${e.message}` }];
      }
      throw err;
    }
  };

  return {
    isolated: true,
    loadError,
    protocol,
    aliases: meta?.aliases ?? [],
    apiVersion: (meta?.apiVersion ?? 1) as typeof PLUGIN_API_VERSION,
    validate,
    create: (ctx) => new IsolatedAnnouncer(module, protocol, ctx, opts),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'logger' && k !== 'declaredProtocol')) as Partial<T>;
}
