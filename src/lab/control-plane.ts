// etcd + kube-apiserver inside the lab's `cp` namespace, serving on 192.168.1.5 for the nodes and loopback for the driver.
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { cachedBinary } from './binaries';
import { isRunning, logTail, startDaemon } from './daemons';
import { generateLabPki, signClientCert, type LabPki } from './pki';
import { pollUntil, runIn } from './shell';
import { labPaths } from './state';
import {
  APISERVER_PORT, CLUSTER_CIDR, CONTROL_PLANE, ETCD_CLIENT_PORT, ETCD_PEER_PORT, KUBERNETES_SERVICE_IP, NODES, SERVICE_CIDR,
} from './topology';
import type { LabProcessRecord } from './state';

const ADMIN_USER = 'lab-admin';

/** Who talks to the apiserver besides the admin: kubelets as Node-authorized users, kube-proxy with its default binding. */
interface TokenUser {
  /** Kubeconfig name in the lab dir. */
  who: string;
  user: string;
  groups: string[];
  /** Runs in the cp namespace (loopback) or on a node (LAN address). */
  where: 'cp' | 'node';
}

const TOKEN_USERS: readonly TokenUser[] = [
  // The lab's controller-manager and scheduler act for the cluster (as kubeadm's admin-like credentials do).
  { who: 'kube-controller-manager', user: 'system:kube-controller-manager', groups: ['system:masters'], where: 'cp' },
  { who: 'kube-scheduler', user: 'system:kube-scheduler', groups: ['system:masters'], where: 'cp' },
  { who: 'kube-proxy', user: 'system:kube-proxy', groups: [], where: 'node' },
  ...NODES.map((n): TokenUser => ({ who: `kubelet-${n.name}`, user: `system:node:${n.name}`, groups: ['system:nodes'], where: 'node' })),
];

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
  private kubeletClient?: { cert: string; key: string };
  /** https://192.168.1.5:6443, for processes in the node namespaces. */
  readonly lanServer = `https://${CONTROL_PLANE.ip}:${APISERVER_PORT}`;
  /** https://127.0.0.1:6443, for processes in the cp namespace (kubectl, controller). */
  readonly loopbackServer = `https://127.0.0.1:${APISERVER_PORT}`;

  async generateCertificates(): Promise<void> {
    this.pki = await generateLabPki(labPaths.pki(), [CONTROL_PLANE.ip, '127.0.0.1', KUBERNETES_SERVICE_IP]);
    // The apiserver's identity towards kubelets (kubectl logs/exec), trusted by their x509 client CA.
    this.kubeletClient = await signClientCert(labPaths.pki(), 'apiserver-kubelet-client', '/O=system:masters/CN=kube-apiserver-kubelet-client');
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
    const lines = [`${token},${ADMIN_USER},${ADMIN_USER},"system:masters"`];
    writeFileSync(labPaths.adminKubeconfig(), kubeconfigText(this.loopbackServer, pki.caCert, ADMIN_USER, token), { mode: 0o600 });
    for (const u of TOKEN_USERS) {
      const t = randomBytes(24).toString('hex');
      lines.push(`${t},${u.user},${u.user}${u.groups.length ? `,"${u.groups.join(',')}"` : ''}`);
      this.writeServiceAccountKubeconfig(u.who, u.where === 'cp' ? this.loopbackServer : this.lanServer, t);
    }
    writeFileSync(labPaths.tokens(), lines.join('\n') + '\n', { mode: 0o600 });
    const kubeletClient = this.kubeletClient;
    if (!kubeletClient) throw new Error('control plane certificates not generated');
    const apiserver = startDaemon('kube-apiserver', CONTROL_PLANE.ns, cachedBinary('kube-apiserver'), [
      `--etcd-servers=http://127.0.0.1:${ETCD_CLIENT_PORT}`,
      '--bind-address=0.0.0.0', `--advertise-address=${CONTROL_PLANE.ip}`, `--secure-port=${APISERVER_PORT}`,
      `--cert-dir=${labPaths.file('apiserver-certs')}`,
      `--tls-cert-file=${pki.servingCert}`, `--tls-private-key-file=${pki.servingKey}`,
      `--client-ca-file=${pki.caCert}`,
      `--token-auth-file=${labPaths.tokens()}`,
      '--authorization-mode=Node,RBAC', '--enable-admission-plugins=NodeRestriction',
      `--kubelet-client-certificate=${kubeletClient.cert}`, `--kubelet-client-key=${kubeletClient.key}`,
      '--kubelet-preferred-address-types=InternalIP',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki.saPublicKey}`,
      `--service-account-signing-key-file=${pki.saPrivateKey}`,
      `--service-cluster-ip-range=${SERVICE_CIDR}`,
      '--allow-privileged=true', '--profiling=false', '--enable-priority-and-fairness=false', '--v=1',
    ]);
    await this.waitHttp(apiserver, timeoutMs, 'kube-apiserver /readyz',
      ['-s', '-m', '3', '--cacert', pki.caCert, '-H', `Authorization: Bearer ${token}`, `${this.loopbackServer}/readyz`],
      (out) => out.trim() === 'ok');
  }

  /** The controllers that make Pods, EndpointSlices, ServiceAccounts and GC happen; waits for its /healthz. */
  async startControllerManager(timeoutMs = 120_000): Promise<void> {
    const pki = this.requirePki();
    const kubeconfig = labPaths.kubeconfig('kube-controller-manager');
    const cm = startDaemon('kube-controller-manager', CONTROL_PLANE.ns, cachedBinary('kube-controller-manager'), [
      `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
      '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=10257',
      `--service-account-private-key-file=${pki.saPrivateKey}`, `--root-ca-file=${pki.caCert}`,
      '--use-service-account-credentials=false', `--cluster-cidr=${CLUSTER_CIDR}`, '--allocate-node-cidrs=false',
      `--service-cluster-ip-range=${SERVICE_CIDR}`, '--node-monitor-grace-period=20s', '--v=1',
    ]);
    await this.waitHttp(cm, timeoutMs, 'kube-controller-manager /healthz', ['-sk', '-m', '2', 'https://127.0.0.1:10257/healthz'],
      (out) => out.trim() === 'ok');
  }

  /** Binds Pods to the nodes; waits for its /healthz. */
  async startScheduler(timeoutMs = 120_000): Promise<void> {
    const kubeconfig = labPaths.kubeconfig('kube-scheduler');
    const sched = startDaemon('kube-scheduler', CONTROL_PLANE.ns, cachedBinary('kube-scheduler'), [
      `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
      '--leader-elect=false', '--bind-address=127.0.0.1', '--secure-port=10259', '--v=2', // v2: why a pod stays Pending
    ]);
    await this.waitHttp(sched, timeoutMs, 'kube-scheduler /healthz', ['-sk', '-m', '2', 'https://127.0.0.1:10259/healthz'],
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
