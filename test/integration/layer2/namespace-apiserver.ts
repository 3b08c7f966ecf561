// Reaching the test apiserver from inside lab namespaces: a Unix-socket relay pair per namespace; children die with the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, waitForLine, type L2Lab } from './netns-lab';

const SETPRIV = '/usr/bin/setpriv';

/** `cmd args` wrapped so the kernel kills it when the test process dies (even by SIGKILL). */
export function dying(cmd: string, args: string[]): [string, string[]] {
  return existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', cmd, ...args]] : [cmd, args];
}

/** Relays `server` through `dir`/apiserver.sock into each of `namespaces` at the same host:port; returns the root-side relay. */
export async function relayApiserverIntoNamespaces(lab: L2Lab, server: string, dir: string, namespaces: string[]): Promise<ChildProcess> {
  const apiserver = new URL(server);
  const sock = join(dir, 'apiserver.sock');
  const relay = join(REPO, 'dist', 'test', 'integration', 'layer2', 'socket-relay.js');
  const rootRelay = spawn(...dying(process.execPath, [relay, `unix:${sock}`, `${apiserver.hostname}:${apiserver.port}`]), { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForLine(rootRelay, (l) => l.listening === true, 10_000);
  for (const ns of namespaces) {
    const p = lab.spawn(ns, ...dying(process.execPath, [relay, `${apiserver.hostname}:${apiserver.port}`, `unix:${sock}`]));
    await waitForLine(p, (l) => l.listening === true, 10_000);
  }
  return rootRelay;
}
