// Configuration files of a lab node's real components (containerd, CNI, kubelet, kube-proxy): pure text builders.
import * as yaml from 'js-yaml';
import { nodePaths } from './state';
import { CLUSTER_CIDR, KUBELET_PORT, podCidr, type LabHost } from './topology';

/**
 * containerd 1.6 (Debian) for one node: its own root, state and socket so three run side by side; pod netns mounted
 * under the state dir (so `lab down` finds and unmounts them); cgroupfs, since this host has no systemd.
 */
export function containerdConfig(node: LabHost, sandboxImage: string): string {
  const p = nodePaths(node.name);
  return [
    'version = 2',
    `root = ${JSON.stringify(p.containerdRoot)}`,
    `state = ${JSON.stringify(p.containerdState)}`,
    '[grpc]',
    `  address = ${JSON.stringify(p.containerdSocket)}`,
    '[ttrpc]',
    `  address = ${JSON.stringify(`${p.containerdSocket}.ttrpc`)}`,
    '[debug]',
    '  level = "warn"',
    '[plugins."io.containerd.grpc.v1.cri"]',
    `  sandbox_image = ${JSON.stringify(sandboxImage)}`,
    '  netns_mounts_under_state_dir = true',
    '  stream_server_address = "127.0.0.1"',
    '  stream_server_port = "0"',
    '  enable_selinux = false',
    // This host denies lowering oom_score_adj (no CAP_SYS_RESOURCE here); clamp to containerd's own, as in rootless setups.
    '  restrict_oom_score_adj = true',
    '  [plugins."io.containerd.grpc.v1.cri".containerd]',
    '    snapshotter = "overlayfs"',
    '    default_runtime_name = "runc"',
    '    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
    '      runtime_type = "io.containerd.runc.v2"',
    '      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
    '        SystemdCgroup = false',
    '  [plugins."io.containerd.grpc.v1.cri".cni]',
    '    bin_dir = "/usr/lib/cni"',
    `    conf_dir = ${JSON.stringify(p.cniConfDir)}`,
    '',
  ].join('\n');
}

/** Bridge CNI with this node's /24 (host-local keeps its leases under the node's own data dir). */
export function cniConflist(node: LabHost): string {
  return JSON.stringify({
    cniVersion: '1.0.0',
    name: `lab-${node.name}`,
    plugins: [
      {
        type: 'bridge', bridge: 'cni0', isGateway: true, ipMasq: true, hairpinMode: true,
        ipam: {
          type: 'host-local', dataDir: nodePaths(node.name).cniDataDir,
          ranges: [[{ subnet: podCidr(node) }]], routes: [{ dst: '0.0.0.0/0' }],
        },
      },
      { type: 'portmap', capabilities: { portMappings: true } },
    ],
  }, null, 2) + '\n';
}

export interface KubeletFiles {
  kubeconfig: string;
  caFile: string;
}

/**
 * KubeletConfiguration for a node in a network namespace sharing the host's cgroups: a cgroup root of its own,
 * cgroup v1 allowed (this host is hybrid v1), no swap/kernel-default checks, eviction thresholds low enough for a VM.
 */
export function kubeletConfig(node: LabHost, files: KubeletFiles): string {
  const p = nodePaths(node.name);
  return yaml.dump({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: node.ip,
    port: KUBELET_PORT,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: false }, x509: { clientCAFile: files.caFile } },
    authorization: { mode: 'AlwaysAllow' },
    containerRuntimeEndpoint: `unix://${p.containerdSocket}`,
    imageServiceEndpoint: `unix://${p.containerdSocket}`,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: `/${node.ns}`,
    cgroupsPerQOS: true,
    enforceNodeAllocatable: ['pods'],
    failCgroupV1: false,
    failSwapOn: false,
    protectKernelDefaults: false,
    podLogsDir: p.podLogs,
    resolvConf: '/etc/resolv.conf',
    clusterDomain: 'cluster.local',
    maxPods: 30,
    registerNode: true,
    rotateCertificates: false,
    serializeImagePulls: false,
    syncFrequency: '10s',
    nodeStatusUpdateFrequency: '4s',
    imageGCHighThresholdPercent: 100,
    imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%', 'nodefs.inodesFree': '1%' },
    localStorageCapacityIsolation: false,
    shutdownGracePeriod: '0s',
    staticPodPath: '',
  }, { lineWidth: -1 });
}

/** The kube-proxy ConfigMap as kubeadm writes it: `mode: ""` and `strictARP: false`, the state the seed starts from. */
export function kubeProxyConfigMap(): string {
  const config = [
    'apiVersion: kubeproxy.config.k8s.io/v1alpha1',
    'kind: KubeProxyConfiguration',
    'bindAddress: 0.0.0.0',
    'clientConnection:',
    '  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf',
    `clusterCIDR: ${CLUSTER_CIDR}`,
    'conntrack:',
    '  maxPerCore: 0',
    '  min: 0',
    '  tcpCloseWaitTimeout: 0s',
    '  tcpEstablishedTimeout: 0s',
    'ipvs:',
    '  strictARP: false',
    'metricsBindAddress: 127.0.0.1:10249',
    'mode: ""',
    '',
  ].join('\n');
  return yaml.dump({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { name: 'kube-proxy', namespace: 'kube-system', labels: { app: 'kube-proxy' } },
    data: { 'config.conf': config },
  }, { lineWidth: -1 });
}

/** One node's kube-proxy file from the ConfigMap's `config.conf`: its own kubeconfig and hostname, everything else as set. */
export function kubeProxyNodeConfig(configConf: string, node: LabHost, kubeconfig: string): string {
  const cfg = yaml.load(configConf) as Record<string, unknown>;
  const client = (cfg.clientConnection ?? {}) as Record<string, unknown>;
  return yaml.dump({ ...cfg, clientConnection: { ...client, kubeconfig }, hostnameOverride: node.name }, { lineWidth: -1 });
}

export interface KubeProxyMode {
  mode: string;
  strictARP: boolean;
}

/** What the ConfigMap says (the seed's `grep -E '(mode|strictARP)'`). */
export function kubeProxyMode(configConf: string): KubeProxyMode {
  const cfg = yaml.load(configConf) as { mode?: string; ipvs?: { strictARP?: boolean } };
  return { mode: cfg.mode ?? '', strictARP: cfg.ipvs?.strictARP === true };
}
