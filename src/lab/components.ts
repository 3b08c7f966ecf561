// Health of the lab's own daemons (control plane, containerd, kubelet, kube-proxy): a dead one fails a wait at once.
import { isRunning, logTail } from './daemons';
import { readState, type LabProcessRecord } from './state';

const WATCHED = /^(etcd|kube-apiserver|kube-controller-manager|kube-scheduler|containerd\/|kubelet\/|kube-proxy\/)/;

export function labDaemons(): LabProcessRecord[] {
  return (readState()?.processes ?? []).filter((p) => WATCHED.test(p.name));
}

/** Throws a fatal error (stops any poll) with the log tail of the first dead cluster daemon. */
export function assertClusterRunning(): void {
  const dead = labDaemons().filter((p) => !isRunning(p.pid));
  if (dead.length === 0) return;
  const detail = dead.map((p) => `${p.name} (pid ${p.pid}) exited; last log lines:\n${logTail(p.log, 8)}`).join('\n');
  throw Object.assign(new Error(detail), { fatal: true });
}

/** Fails with the process's log if it died within `graceMs` of starting. */
export async function expectStaysUp(procs: LabProcessRecord[], graceMs = 1500): Promise<void> {
  await new Promise((r) => setTimeout(r, graceMs));
  const dead = procs.filter((p) => !isRunning(p.pid));
  if (dead.length > 0) {
    throw new Error(dead.map((p) => `${p.name} exited right after start:\n${logTail(p.log)}`).join('\n'));
  }
}
