// Starts the Go memberlist interop node (test/interop/memberlist-go, built and cached by its build.sh) and records its events.
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { onJsonLines } from '../../support/json-lines';
import type { Memberlist } from '../../../src/memberlist';

const GO_DIR = join(__dirname, '../../interop/memberlist-go');
const BIN_DIR = join(process.env.METALLBTS_CACHE ?? join(homedir(), '.cache/metallbts'), 'bin');

const built = new Set<string>();
/** build.sh is cached by content hash: a no-op when the binary is current, a bounded build otherwise. */
export function goBinary(version: string): string {
  const bin = join(BIN_DIR, `memberlist-go-${version}`);
  if (!built.has(version)) {
    execFileSync('bash', [join(GO_DIR, 'build.sh'), version], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    built.add(version);
  }
  if (!existsSync(bin)) throw new Error(`${bin} was not built`);
  return bin;
}

export async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface GoNode {
  proc: ChildProcess;
  events: Array<{ event: string; node?: string; keys?: string[] }>;
  stderr: string[];
  port: number;
}

/** Extra Go node flags: `-derivation`, `-accept`, `-key` (see main.go). */
export interface GoKeyFlags {
  derivation?: string;
  accept?: string[];
  keys?: string[];
}

export async function startGo(version: string, name: string, joinAddr: string, secret: string, profile = 'fast', label = '', keyFlags: GoKeyFlags = {}, host = '127.0.0.2'): Promise<GoNode> {
  const port = await freePort(host);
  const args = ['-name', name, '-bind', `${host}:${port}`, '-secret', secret, '-profile', profile];
  if (joinAddr) args.push('-join', joinAddr);
  if (label) args.push('-label', label);
  if (keyFlags.derivation) args.push('-derivation', keyFlags.derivation);
  if (keyFlags.accept?.length) args.push('-accept', keyFlags.accept.join(','));
  for (const k of keyFlags.keys ?? []) args.push('-key', k);
  const proc = spawn(goBinary(version), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const node: GoNode = { proc, events: [], stderr: [], port };
  onJsonLines(proc.stdout!, (e) => node.events.push(e as GoNode['events'][number]));
  proc.stderr!.on('data', (d: Buffer) => node.stderr.push(...d.toString().split('\n').filter(Boolean)));
  return node;
}

export async function waitFor(what: string, cond: () => boolean, timeoutMs: number): Promise<number> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return Date.now() - start;
}

export const names = (m: Memberlist): string => m.members().map((n) => n.name).sort().join(',');
export const goSees = (g: GoNode, event: string, node: string): boolean => g.events.some((e) => e.event === event && e.node === node);

/** Members the Go node currently counts alive: joins minus later dead/left, from its event log. */
export function goMembers(g: GoNode): string[] {
  const alive = new Set<string>();
  for (const e of g.events) {
    if (!e.node) continue;
    if (e.event === 'join' || e.event === 'update') alive.add(e.node);
    if (e.event === 'dead' || e.event === 'left') alive.delete(e.node);
  }
  return [...alive].sort();
}
