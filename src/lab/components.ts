// Starts the product and its stand-ins as lab processes: node backends, the controller (cp), one speaker per node.
import { backendScript, cliEntry } from './binaries';
import { isRunning, logTail, startDaemon } from './daemons';
import { runIn, pollUntil } from './shell';
import { readState, type LabProcessRecord } from './state';
import { BACKEND_PORT, CLIENT, CONTROL_PLANE, MEMBERLIST_PORT, METALLB_NAMESPACE, NODES, type LabHost } from './topology';

export const speakerProcessName = (node: LabHost): string => `speaker/${node.name}`;

/** The tutorial's nginx pods: a tiny HTTP server on :80 in each node namespace answering with the node name. */
export async function startBackends(): Promise<void> {
  for (const n of NODES) startDaemon(`backend/${n.name}`, n.ns, process.execPath, [backendScript(), n.name, String(BACKEND_PORT)]);
  for (const n of NODES) {
    await pollUntil(`backend on ${n.name}`, async () => {
      const r = await runIn(CLIENT.ns, 'curl', ['-s', '-m', '1', `http://${n.ip}:${BACKEND_PORT}/`], { timeoutMs: 4000 });
      return r.code === 0 && r.stdout.trim() === n.name ? true : undefined;
    }, { timeoutMs: 20_000, everyMs: 200 });
  }
}

export function startController(kubeconfig: string): LabProcessRecord {
  return startDaemon('controller', CONTROL_PLANE.ns, process.execPath, [cliEntry(), 'controller',
    '--kubeconfig', kubeconfig, '--namespace', METALLB_NAMESPACE, '--metrics-host', '127.0.0.1', '--metrics-port', '7472']);
}

/** The speaker command line for a node: memberlist on the node IP, joining the other nodes. */
export function speakerArgs(node: LabHost, kubeconfig: string): string[] {
  const join = NODES.filter((n) => n !== node).map((n) => `${n.ip}:${MEMBERLIST_PORT}`);
  return [cliEntry(), 'speaker', '--node-name', node.name, '--kubeconfig', kubeconfig, '--namespace', METALLB_NAMESPACE,
    '--metrics-host', node.ip, '--metrics-port', '7473',
    '--memberlist-bind', `${node.ip}:${MEMBERLIST_PORT}`, '--memberlist-join', ...join];
}

/**
 * The same memberlist settings as the flags, in the chart's per-plugin options form (METALLBTS_PLUGIN_OPTIONS),
 * which the layer2 plugin reads as `memberlist: {bindAddr, bindPort, join, profile}`.
 */
export function speakerEnv(node: LabHost): NodeJS.ProcessEnv {
  const join = NODES.filter((n) => n !== node).map((n) => `${n.ip}:${MEMBERLIST_PORT}`);
  const options = { memberlist: { bindAddr: node.ip, bindPort: MEMBERLIST_PORT, join, profile: 'fast' } };
  return { METALLBTS_PLUGIN_OPTIONS: JSON.stringify([{ module: 'layer2', protocol: 'layer2', options }]) };
}

export function startSpeaker(node: LabHost, kubeconfig: string): LabProcessRecord {
  return startDaemon(speakerProcessName(node), node.ns, process.execPath, speakerArgs(node, kubeconfig), speakerEnv(node));
}

export function startSpeakers(kubeconfig: string): LabProcessRecord[] {
  return NODES.map((n) => startSpeaker(n, kubeconfig));
}

/** Throws a fatal error (stops any poll) with the log tail of the first dead controller or speaker. */
export function assertComponentsRunning(): void {
  const recs = (readState()?.processes ?? []).filter((p) => p.name === 'controller' || p.name.startsWith('speaker/'));
  const dead = recs.filter((p) => !isRunning(p.pid));
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
