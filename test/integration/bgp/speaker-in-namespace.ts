// Runs the real speaker CLI inside a lab namespace against a harness apiserver (relayed in), collecting its JSON log lines.
import { spawn, type ChildProcess } from 'node:child_process';
import type { SharedControlPlane } from '../../harness/jest-control-plane';
import { NAMESPACE } from '../../support/metallb-system';
import { relayApiserverInto, type ApiRelay } from './api-relay';
import { CLI, type BgpLab } from './lab';

export interface NamespacedSpeaker {
  logs: string[];
  proc: ChildProcess;
  stop(): Promise<void>;
}

export async function startSpeakerIn(lab: BgpLab, index: number, cp: SharedControlPlane, kubeconfig: string, nodeName: string): Promise<NamespacedSpeaker> {
  const ns = lab.speakers[index]!.ns;
  const relay: ApiRelay = await relayApiserverInto(ns, cp.get().server, lab.dir);
  const logs: string[] = [];
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, CLI, 'speaker', '--node-name', nodeName, '--kubeconfig', kubeconfig, '--namespace', NAMESPACE, '--metrics-host', '127.0.0.1'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const collect = (b: Buffer) => logs.push(...b.toString().split('\n').filter(Boolean));
  proc.stdout!.on('data', collect);
  proc.stderr!.on('data', collect);
  return {
    logs,
    proc,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
      await relay.stop();
    },
  };
}
