// One worker thread running a plugin module: calls with time limits (a hung call terminates the thread), sync or async.
import { join } from 'node:path';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { FromWorker, PluginMeta, PluginWorkerData, ToWorker, CallOp } from './isolation-protocol';

/** Why a plugin's worker failed, as the `reason` label of `metallbts_plugin_failures_total`. */
export type FailureReason = 'import' | 'crash' | 'memory' | 'timeout' | 'rejected';

export class PluginCallError extends Error {
  constructor(
    message: string,
    readonly reason: FailureReason,
    /** The plugin's own error text, without what this module adds. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'PluginCallError';
  }
}

export interface WorkerStartOptions {
  /** Module path (absolute) or package name, resolved by the caller. */
  module: string;
  /** Name for messages before the module said its protocol. */
  label: string;
  nodeName: string;
  options: Record<string, unknown>;
  /** worker `resourceLimits.maxOldGenerationSizeMb`: a leak ends the worker, not the speaker. */
  maxOldGenerationSizeMb: number;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Under jest (TypeScript sources) the worker transpiles .ts with esbuild; built code runs the .js entry. */
function spawn(data: PluginWorkerData, transfer: MessagePort, limits: Worker['resourceLimits']): Worker {
  // env given explicitly: the copy a sandbox (jest) sees, which is the process's own otherwise.
  const opts = { workerData: data, transferList: [transfer], resourceLimits: limits, stdout: false, stderr: false, env: process.env };
  if (!__filename.endsWith('.ts')) return new Worker(join(__dirname, 'plugin-worker.js'), opts);
  const entry = JSON.stringify(join(__dirname, 'plugin-worker.ts'));
  const code = `
    const fs = require('node:fs');
    const esbuild = require(${JSON.stringify(require.resolve('esbuild'))});
    require.extensions['.ts'] = (m, file) => {
      const out = esbuild.transformSync(fs.readFileSync(file, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node20', sourcefile: file });
      m._compile(out.code, file);
    };
    require(${entry});`;
  return new Worker(code, { ...opts, eval: true });
}

export class PluginWorkerThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private readonly syncFlag: Int32Array;
  private readonly syncPort: MessagePort;
  private nextId = 1;
  private readyResolve?: (m: PluginMeta) => void;
  private readyReject?: (e: Error) => void;
  private failure?: PluginCallError;
  private terminating?: PluginCallError;
  meta?: PluginMeta;
  /** Resolves once the module is imported and its plugin found; rejects when the worker dies first. */
  readonly ready: Promise<PluginMeta>;
  /** Messages other than replies (logs, events, resyncs). */
  onMessage: (m: FromWorker) => void = () => undefined;
  /** The worker ended (crash, memory limit, terminated after a hung call); not called for `stop()`. */
  onFailure: (err: PluginCallError) => void = () => undefined;
  private stopped = false;

  constructor(private readonly opts: WorkerStartOptions) {
    const buffer = new SharedArrayBuffer(4);
    this.syncFlag = new Int32Array(buffer);
    const channel = new MessageChannel();
    this.syncPort = channel.port1;
    this.syncPort.unref();
    this.ready = new Promise<PluginMeta>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.ready.catch(() => undefined);
    const data: PluginWorkerData = { module: opts.module, nodeName: opts.nodeName, options: opts.options, syncBuffer: buffer, syncPort: channel.port2 };
    this.worker = spawn(data, channel.port2, { maxOldGenerationSizeMb: opts.maxOldGenerationSizeMb });
    this.worker.on('message', (m: FromWorker) => this.receive(m));
    this.worker.on('error', (err: Error & { code?: string }) => {
      const reason: FailureReason = err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? 'memory' : this.meta ? 'crash' : 'import';
      const what = reason === 'memory' ? `exceeded its memory limit (${opts.maxOldGenerationSizeMb} MB)` : reason === 'import' ? `failed to load: ${err.message}` : `crashed: ${err.message}`;
      this.failure ??= new PluginCallError(`plugin ${opts.label} ${what}`, reason);
    });
    this.worker.on('exit', (code) => this.exited(code));
    // The speaker's own work keeps the process alive, not its plugins' workers (so `validate` exits when done).
    this.worker.unref();
  }

  /** True until the worker ends. */
  get alive(): boolean {
    return !this.failure && !this.terminating && !this.stopped;
  }

  /** An async call; past `timeoutMs` the worker is terminated (a synchronous loop cannot be stopped otherwise). */
  call(op: CallOp, args: unknown[], timeoutMs: number): Promise<unknown> {
    const dead = this.deadError();
    if (dead) return Promise.reject(dead);
    const id = this.nextId++;
    return new Promise<unknown>((resolve, reject) => {
      const timer = setTimeout(() => this.kill(new PluginCallError(`plugin ${this.name()} ${op} did not finish within ${timeoutMs} ms; its worker was terminated`, 'timeout')), timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
      try {
        this.post({ t: 'call', id, op, args });
      } catch (err) {
        // Arguments that cannot be cloned (functions, class instances with private state) fail only this call.
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new PluginCallError(`plugin ${this.name()} ${op}: arguments cannot be sent to the worker: ${(err as Error).message}`, 'rejected'));
      }
    });
  }

  /** A synchronous call (validate, shouldAnnounce): blocks this thread at most `timeoutMs`, then terminates the worker. */
  callSync(op: CallOp, args: unknown[], timeoutMs: number): unknown {
    const dead = this.deadError();
    if (dead) throw dead;
    const id = this.nextId++;
    Atomics.store(this.syncFlag, 0, 0);
    this.post({ t: 'call', id, op, args, sync: true });
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const left = deadline - Date.now();
      if (left <= 0 || Atomics.wait(this.syncFlag, 0, 0, left) === 'timed-out') {
        const err = new PluginCallError(`plugin ${this.name()} ${op} did not answer within ${timeoutMs} ms; its worker was terminated`, 'timeout');
        this.kill(err);
        throw err;
      }
      Atomics.store(this.syncFlag, 0, 0);
      for (let m = receiveMessageOnPort(this.syncPort); m; m = receiveMessageOnPort(this.syncPort)) {
        const msg = m.message as FromWorker;
        if (msg.t === 'ready') this.markReady(msg.meta);
        if (msg.t === 'reply' && msg.id === id) {
          if (msg.ok) return msg.value;
          throw new PluginCallError(msg.error, 'rejected');
        }
      }
    }
  }

  /** Waits (blocking this thread, at most `timeoutMs`) until the module is imported: for start-up, where loading is synchronous. */
  waitReadySync(timeoutMs: number): PluginMeta {
    const deadline = Date.now() + timeoutMs;
    while (!this.meta) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const err = new PluginCallError(`plugin ${this.name()} did not finish loading within ${timeoutMs} ms`, 'timeout');
        this.kill(err);
        throw err;
      }
      Atomics.wait(this.syncFlag, 0, 0, Math.min(left, 50));
      Atomics.store(this.syncFlag, 0, 0);
      for (let m = receiveMessageOnPort(this.syncPort); m; m = receiveMessageOnPort(this.syncPort)) {
        const msg = m.message as FromWorker;
        if (msg.t === 'ready') this.markReady(msg.meta);
        if (msg.t === 'loadFailed') throw new PluginCallError(`plugin ${this.name()} failed to load: ${msg.error}`, 'import', msg.error);
      }
    }
    return this.meta;
  }

  post(m: ToWorker): void {
    if (this.alive) this.worker.postMessage(m);
  }

  /** Ends the worker on purpose (shutdown): no failure is reported. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.worker.terminate();
  }

  private name(): string {
    return this.meta ? `"${this.meta.protocol}"` : this.opts.label;
  }

  private deadError(): PluginCallError | undefined {
    if (this.stopped) return new PluginCallError(`plugin ${this.name()} was stopped`, 'crash');
    return this.terminating ?? this.failure;
  }

  private kill(err: PluginCallError): void {
    if (this.terminating || this.stopped) return;
    this.terminating = err;
    void this.worker.terminate();
  }

  private markReady(meta: PluginMeta): void {
    if (this.meta) return;
    this.meta = meta;
    this.readyResolve?.(meta);
  }

  private receive(m: FromWorker): void {
    if (m.t === 'ready') return this.markReady(m.meta);
    if (m.t !== 'reply') return this.onMessage(m);
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.ok) p.resolve(m.value);
    else p.reject(new PluginCallError(m.error, 'rejected'));
  }

  private exited(code: number): void {
    const err = this.terminating ?? this.failure ?? new PluginCallError(`plugin ${this.name()} ${this.meta ? 'exited' : 'exited while loading'} (code ${code})`, this.meta ? 'crash' : 'import');
    this.failure = err;
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
    this.readyReject?.(err);
    this.syncPort.close();
    if (!this.stopped) this.onFailure(err);
  }
}
