// Runs the cached kubectl against a harness control plane, with bounded time and captured output.
import { execFile } from 'node:child_process';
import { binPath } from './bins';

export interface KubectlOptions {
  /** Written to kubectl's stdin (e.g. a manifest for `apply -f -`). */
  input?: string;
  /** Passed as --as (impersonation), e.g. 'system:serviceaccount:ns:sa'. */
  as?: string;
  /** Default 30 s. */
  timeoutMs?: number;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl; resolves with exit code and output, never rejects for a non-zero exit. */
export function kubectl(kubeconfigPath: string, args: string[], opts: KubectlOptions = {}): Promise<KubectlResult> {
  const fullArgs = [`--kubeconfig=${kubeconfigPath}`, ...(opts.as ? [`--as=${opts.as}`] : []), ...args];
  return new Promise((resolve, reject) => {
    const child = execFile(
      binPath('kubectl'),
      fullArgs,
      { timeout: opts.timeoutMs ?? 30_000, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, KUBECONFIG: '' } },
      (err, stdout, stderr) => {
        // On a non-zero exit, execFile's error carries the numeric exit code; anything else is a spawn failure or timeout.
        const e = err as { code?: unknown; killed?: boolean; message: string } | null;
        if (e && typeof e.code !== 'number') {
          reject(new Error(`kubectl ${args.join(' ')}: ${e.killed ? 'timed out' : e.message}`));
          return;
        }
        resolve({ code: e ? Number(e.code) : 0, stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Runs kubectl and returns stdout; throws with stderr on a non-zero exit. */
export async function kubectlOk(kubeconfigPath: string, args: string[], opts: KubectlOptions = {}): Promise<string> {
  const res = await kubectl(kubeconfigPath, args, opts);
  if (res.code !== 0) throw new Error(`kubectl ${args.join(' ')} exited ${res.code}: ${res.stderr.trim()}`);
  return res.stdout;
}

/** kubectl ... -o json, parsed. */
export async function kubectlJson<T = unknown>(kubeconfigPath: string, args: string[], opts: KubectlOptions = {}): Promise<T> {
  return JSON.parse(await kubectlOk(kubeconfigPath, [...args, '-o', 'json'], opts)) as T;
}
