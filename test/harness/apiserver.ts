// Starts a real etcd + kube-apiserver on 127.0.0.1 for integration tests, and always tears them down.
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { binPath } from './bins';
import { generatePki, type ControlPlanePki } from './certs';
import { freePorts } from './ports';
import { startProcess, type ManagedProcess } from './process';

export interface ControlPlaneOptions {
  /** How long to wait for etcd and /readyz together (default 120 s; first start on a busy 2-core box is slow). */
  readyTimeoutMs?: number;
  /** --service-cluster-ip-range (default 10.96.0.0/16). */
  serviceClusterIpRange?: string;
  /** Extra kube-apiserver flags, e.g. ['--feature-gates=...']. */
  extraApiserverArgs?: string[];
  /** Keep the temp dir (logs, certs) after stop(), for debugging. Also via METALLBTS_KEEP_CP=1. */
  keepDir?: boolean;
}

export interface ControlPlane {
  /** Admin kubeconfig (token auth, CA-verified) usable by kubectl, helm and @kubernetes/client-node. */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  server: string;
  /** Bearer token of the admin user (group system:masters). */
  token: string;
  /** PEM CA that signed the serving cert (and the admin client cert). */
  caFile: string;
  pki: ControlPlanePki;
  /** Temp dir holding data, certs and logs (etcd.log, kube-apiserver.log). */
  dir: string;
  /** Stops kube-apiserver (SIGTERM) and starts it again on the same port and etcd; resolves when /readyz is ok. */
  restartApiserver(opts?: { downMs?: number }): Promise<void>;
  /** Kills both processes and removes the temp dir; safe to call more than once. */
  stop(): Promise<void>;
}

const ADMIN_USER = 'metallbts-admin';

/** GET `path` on the apiserver with the admin token; resolves with status and body (never rejects on HTTP errors). */
export function apiGet(server: string, token: string, ca: string, path: string, timeoutMs = 5000):
  Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${server}${path}`,
      { ca: readFileSync(ca), headers: { authorization: `Bearer ${token}` }, timeout: timeoutMs },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end();
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns true; fails early if a process died, and after `deadline`. */
async function waitFor(what: string, deadline: number, procs: ManagedProcess[], probe: () => Promise<boolean>):
  Promise<void> {
  let last = '';
  for (;;) {
    for (const p of procs) {
      const ex = p.exited();
      if (ex) throw new Error(`${p.name} exited (code ${ex.code}, signal ${ex.signal}) while waiting for ${what}:\n${p.logTail()}`);
    }
    try {
      if (await probe()) return;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > deadline) {
      const logs = procs.map((p) => `--- ${p.name} ---\n${p.logTail(20)}`).join('\n');
      throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${last})` : ''}\n${logs}`);
    }
    await sleep(250);
  }
}

function etcdArgs(dir: string, clientPort: number, peerPort: number): string[] {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  return [
    '--name=default', `--data-dir=${join(dir, 'etcd-data')}`,
    `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=default=${peer}`, '--initial-cluster-state=new',
    '--unsafe-no-fsync', '--log-level=warn', '--quota-backend-bytes=1073741824',
  ];
}

function apiserverArgs(dir: string, pki: ControlPlanePki, etcdPort: number, port: number, opts: ControlPlaneOptions):
  string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${etcdPort}`,
    '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${port}`,
    `--cert-dir=${join(dir, 'apiserver-certs')}`,
    `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    `--token-auth-file=${join(dir, 'tokens.csv')}`,
    '--authorization-mode=RBAC',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.saPublicKey}`,
    `--service-account-signing-key-file=${pki.saPrivateKey}`,
    `--service-cluster-ip-range=${opts.serviceClusterIpRange ?? '10.96.0.0/16'}`,
    '--allow-privileged=true',
    '--profiling=false',
    '--enable-priority-and-fairness=false',
    '--v=1',
    ...(opts.extraApiserverArgs ?? []),
  ];
}

/** Kubeconfig as JSON (valid YAML), with the CA embedded so it works from any cwd. */
function writeKubeconfig(path: string, server: string, caFile: string, token: string): void {
  const ca = readFileSync(caFile).toString('base64');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'metallbts-test', cluster: { server, 'certificate-authority-data': ca } }],
    users: [{ name: ADMIN_USER, user: { token } }],
    contexts: [{ name: 'metallbts-test', context: { cluster: 'metallbts-test', user: ADMIN_USER, namespace: 'default' } }],
    'current-context': 'metallbts-test',
    preferences: {},
  };
  writeFileSync(path, JSON.stringify(kubeconfig, null, 2) + '\n', { mode: 0o600 });
}

/** Starts etcd and kube-apiserver, waits for /readyz, and returns an admin kubeconfig. */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  // A free port can be taken by a parallel test between probing and binding: try again on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (err) {
      if (attempt >= 3 || !/address already in use/i.test((err as Error).message)) throw err;
    }
  }
}

async function startOnce(opts: ControlPlaneOptions): Promise<ControlPlane> {
  const etcdBin = binPath('etcd');
  const apiserverBin = binPath('kube-apiserver');
  const deadline = Date.now() + (opts.readyTimeoutMs ?? 120_000);
  const dir = mkdtempSync(join(tmpdir(), 'metallbts-cp-'));
  const keep = opts.keepDir || process.env.METALLBTS_KEEP_CP === '1';
  const procs: ManagedProcess[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    // apiserver first so it does not spin on a vanished etcd.
    for (const p of [...procs].reverse()) await p.stop();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };

  try {
    const pkiDir = join(dir, 'pki');
    mkdirSync(pkiDir);
    const pki = await generatePki(pkiDir);
    const token = randomBytes(24).toString('hex');
    writeFileSync(join(dir, 'tokens.csv'), `${token},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });
    const [etcdClient, etcdPeer, apiPort] = await freePorts(3);

    const etcd = startProcess('etcd', etcdBin, etcdArgs(dir, etcdClient!, etcdPeer!), join(dir, 'etcd.log'));
    procs.push(etcd);
    await waitFor('etcd /health', deadline, procs, async () => {
      const res = await fetch(`http://127.0.0.1:${etcdClient}/health`, { signal: AbortSignal.timeout(2000) });
      return res.ok && ((await res.json()) as { health?: string }).health === 'true';
    });

    const server = `https://127.0.0.1:${apiPort}`;
    const args = apiserverArgs(dir, pki, etcdClient!, apiPort!, opts);
    const startApiserver = async (until: number): Promise<void> => {
      procs.push(startProcess('kube-apiserver', apiserverBin, args, join(dir, 'kube-apiserver.log')));
      await waitFor('kube-apiserver /readyz', until, procs, async () => {
        const res = await apiGet(server, token, pki.caCert, '/readyz', 3000);
        return res.status === 200;
      });
    };
    await startApiserver(deadline);

    const restartApiserver = async (r: { downMs?: number } = {}): Promise<void> => {
      if (stopped) throw new Error('control plane already stopped');
      const old = procs.pop();
      await old?.stop();
      if (r.downMs) await sleep(r.downMs);
      await startApiserver(Date.now() + (opts.readyTimeoutMs ?? 120_000));
    };

    const kubeconfigPath = join(dir, 'kubeconfig');
    writeKubeconfig(kubeconfigPath, server, pki.caCert, token);
    return { kubeconfigPath, server, token, caFile: pki.caCert, pki, dir, restartApiserver, stop };
  } catch (err) {
    // Keep the logs in the error, then clean up everything that started.
    await stop().catch(() => undefined);
    throw err;
  }
}
