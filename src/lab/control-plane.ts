// etcd + kube-apiserver inside the lab's `cp` namespace, serving on 192.168.1.5 for the nodes and loopback for the driver.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cachedBinary } from './binaries';
import { isRunning, logTail, startDaemon } from './daemons';
import { generateLabPki, type LabPki } from './pki';
import { pollUntil, runIn } from './shell';
import { labPaths } from './state';
import { APISERVER_PORT, CONTROL_PLANE, ETCD_CLIENT_PORT, ETCD_PEER_PORT } from './topology';
import type { LabProcessRecord } from './state';

const ADMIN_USER = 'lab-admin';

/** A kubeconfig (JSON is valid YAML) with the CA embedded. */
export function kubeconfigText(server: string, caFile: string, user: string, token: string): string {
  const ca = readFileSync(caFile).toString('base64');
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'metallbts-lab', cluster: { server, 'certificate-authority-data': ca } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'metallbts-lab', context: { cluster: 'metallbts-lab', user, namespace: 'default' } }],
    'current-context': 'metallbts-lab',
  }, null, 2) + '\n';
}

export class LabControlPlane {
  pki?: LabPki;
  /** https://192.168.1.5:6443, for processes in the node namespaces. */
  readonly lanServer = `https://${CONTROL_PLANE.ip}:${APISERVER_PORT}`;
  /** https://127.0.0.1:6443, for processes in the cp namespace (kubectl, controller). */
  readonly loopbackServer = `https://127.0.0.1:${APISERVER_PORT}`;

  async generateCertificates(): Promise<void> {
    this.pki = await generateLabPki(labPaths.pki(), [CONTROL_PLANE.ip, '127.0.0.1']);
  }

  async startEtcd(timeoutMs = 60_000): Promise<void> {
    const client = `http://127.0.0.1:${ETCD_CLIENT_PORT}`;
    const peer = `http://127.0.0.1:${ETCD_PEER_PORT}`;
    const etcd = startDaemon('etcd', CONTROL_PLANE.ns, cachedBinary('etcd'), [
      '--name=lab', `--data-dir=${labPaths.etcdData()}`,
      `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=lab=${peer}`, '--initial-cluster-state=new',
      '--unsafe-no-fsync', '--log-level=warn',
    ]);
    await this.waitHttp(etcd, timeoutMs, 'etcd /health', ['-s', '-m', '2', `${client}/health`], (out) => out.includes('"health":"true"'));
  }

  async startApiserver(timeoutMs = 180_000): Promise<void> {
    const pki = this.requirePki();
    const token = randomBytes(24).toString('hex');
    writeFileSync(labPaths.tokens(), `${token},${ADMIN_USER},${ADMIN_USER},"system:masters"\n`, { mode: 0o600 });
    writeFileSync(labPaths.adminKubeconfig(), kubeconfigText(this.loopbackServer, pki.caCert, ADMIN_USER, token), { mode: 0o600 });
    const apiserver = startDaemon('kube-apiserver', CONTROL_PLANE.ns, cachedBinary('kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${ETCD_CLIENT_PORT}`,
      '--bind-address=0.0.0.0', `--advertise-address=${CONTROL_PLANE.ip}`, `--secure-port=${APISERVER_PORT}`,
      `--cert-dir=${labPaths.file('apiserver-certs')}`,
      `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${labPaths.tokens()}`,
      '--authorization-mode=RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPublicKey}`,
      `--service-account-signing-key-file=${pki.saPrivateKey}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--allow-privileged=true', '--profiling=false', '--enable-priority-and-fairness=false', '--v=1',
    ]);
    await this.waitHttp(apiserver, timeoutMs, 'kube-apiserver /readyz',
      ['-s', '-m', '3', '--cacert', pki.caCert, '-H', `Authorization: Bearer ${token}`, `${this.loopbackServer}/readyz`],
      (out) => out.trim() === 'ok');
  }

  /** Kubeconfig for a ServiceAccount token, pointing at `server` (written to the lab dir). */
  writeServiceAccountKubeconfig(who: string, server: string, token: string): string {
    const path = labPaths.kubeconfig(who);
    writeFileSync(path, kubeconfigText(server, this.requirePki().caCert, who, token), { mode: 0o600 });
    return path;
  }

  private requirePki(): LabPki {
    if (!this.pki) throw new Error('control plane certificates not generated');
    return this.pki;
  }

  /** Polls with curl inside the cp namespace; fails early (with the log) if the process died. */
  private async waitHttp(proc: LabProcessRecord, timeoutMs: number, what: string, curlArgs: string[],
    ok: (out: string) => boolean): Promise<void> {
    await pollUntil(what, async () => {
      if (!isRunning(proc.pid)) {
        throw Object.assign(new Error(`${proc.name} exited:\n${logTail(proc.log)}`), { fatal: true });
      }
      const r = await runIn(CONTROL_PLANE.ns, 'curl', curlArgs, { timeoutMs: 5000 });
      return r.code === 0 && ok(r.stdout) ? true : undefined;
    }, { timeoutMs, everyMs: 500 }).catch((err: Error) => {
      throw new Error(`${err.message}\n--- ${proc.name} log ---\n${logTail(proc.log)}`);
    });
  }
}
