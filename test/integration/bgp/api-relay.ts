// Makes the harness apiserver (127.0.0.1 in the root namespace) reachable at the same URL inside a test namespace, via a unix socket.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { join } from 'node:path';
import { childReady } from './child-ready';

const NAMESPACE_SIDE = `
const net = require('node:net');
const [sock, port] = process.argv.slice(1);
net.createServer((c) => {
  const u = net.connect(sock);
  c.on('error', () => u.destroy());
  u.on('error', () => c.destroy());
  c.pipe(u).pipe(c);
}).listen(Number(port), '127.0.0.1', () => console.log('ready'));
`;

export interface ApiRelay {
  stop(): Promise<void>;
}

/** Relays `server` (https://127.0.0.1:PORT) into `ns` on the same address; `dir` holds the socket. */
export async function relayApiserverInto(ns: string, server: string, dir: string): Promise<ApiRelay> {
  const port = Number(new URL(server).port);
  // One socket per namespace: several speakers of one lab share `dir`.
  const sock = join(dir, `api-${ns.slice(-24)}.sock`);
  const open = new Set<net.Socket>();
  const root = net.createServer((c) => {
    const u = net.connect(port, '127.0.0.1');
    open.add(c).add(u);
    c.on('close', () => open.delete(c));
    u.on('close', () => open.delete(u));
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
    c.pipe(u).pipe(c);
  });
  await new Promise<void>((resolve, reject) => root.once('error', reject).listen(sock, resolve));
  const child: ChildProcess = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', NAMESPACE_SIDE, sock, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // Watches held open by the speaker would keep close() waiting forever.
    for (const s of open) s.destroy();
    await new Promise<void>((resolve) => root.close(() => resolve()));
  };
  try {
    await childReady(child, 'apiserver relay');
  } catch (err) {
    await stop();
    throw err;
  }
  return { stop };
}
