// kubectl against the lab's apiserver, run inside the control-plane namespace (the API is not reachable from the root namespace).
import { cachedBinary } from './binaries';
import { runIn, type RunResult } from './shell';
import { labPaths } from './state';
import { CONTROL_PLANE } from './topology';

export class LabKubectl {
  constructor(private readonly kubeconfig = labPaths.adminKubeconfig()) {}

  run(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
    return runIn(CONTROL_PLANE.ns, cachedBinary('kubectl'), [`--kubeconfig=${this.kubeconfig}`, ...args],
      { timeoutMs: opts.timeoutMs ?? 30_000, input: opts.input });
  }

  /** stdout, or an error naming the command and kubectl's stderr. */
  async ok(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r.stdout;
  }

  async json<T>(args: string[]): Promise<T> {
    return JSON.parse(await this.ok([...args, '-o', 'json'])) as T;
  }

  /** `kubectl apply -f -` of JSON/YAML text. */
  apply(manifest: string): Promise<string> {
    return this.ok(['apply', '-f', '-'], { input: manifest });
  }
}
