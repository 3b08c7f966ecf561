// What the AF_PACKET scenarios share inside their namespace (veth pair va/vb): the addon, frame builders, and the runner that prints one result as JSON.
import { readFileSync } from 'node:fs';
import { loadAddon, type NativeAfPacket } from '../../../plugins/layer2/afpacket';

/** A scenario runs inside the namespace and returns what the test asserts on (undefined: it writes its own output). */
export type Scenario = () => unknown;
export type ScenarioResults<T extends Record<string, Scenario>> = { [K in keyof T]: Awaited<ReturnType<T[K]>> };

export const addon = (): NativeAfPacket => loadAddon();

export function ifindex(name: string): number {
  return Number(readFileSync(`/sys/class/net/${name}/ifindex`, 'utf8'));
}

export function macText(name: string): string {
  return readFileSync(`/sys/class/net/${name}/address`, 'utf8').trim();
}

export function macOf(name: string): Buffer {
  return Buffer.from(macText(name).split(':').map((h) => parseInt(h, 16)));
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Writes `value` as the scenario's JSON output (read by the test from stdout). */
export function out(value: unknown): void {
  process.stdout.write(JSON.stringify(value));
}

/** A broadcast 60-byte Ethernet/ARP frame with `marker` in the padding (bytes 58–59); `htype` 6 is not Ethernet. */
export function markedArp(op: number, marker: number, htype = 1): Buffer {
  const f = Buffer.alloc(60);
  f.fill(0xff, 0, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(htype, 14);
  f.writeUInt16BE(0x0800, 16);
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(op, 20);
  f.writeUInt16BE(marker, 58);
  return f;
}

/** A broadcast 60-byte Ethernet frame of ethertype IPv4 with `marker` at bytes 58–59. */
export function markedIpv4(marker: number): Buffer {
  const f = Buffer.alloc(60);
  f.fill(0xff, 0, 6);
  f.writeUInt16BE(0x0800, 12);
  f.writeUInt16BE(marker, 58);
  return f;
}

/** A broadcast ARP request (or `op`) from `sha` with sender `spa` and target `tpa` (IPv4 as byte arrays). */
export function arpRequest(spa: number[], tpa: number[], sha: Buffer = macOf('vb'), op = 1): Buffer {
  const f = Buffer.alloc(60);
  f.fill(0xff, 0, 6);
  sha.copy(f, 6);
  f.writeUInt16BE(0x0806, 12);
  f.writeUInt16BE(1, 14);
  f.writeUInt16BE(0x0800, 16);
  f[18] = 6;
  f[19] = 4;
  f.writeUInt16BE(op, 20);
  sha.copy(f, 22);
  Buffer.from(spa).copy(f, 28);
  Buffer.from(tpa).copy(f, 38);
  return f;
}

/** The dotted quad at `off` in `buf`. */
export const ipAt = (buf: Buffer, off: number): string => [...buf.subarray(off, off + 4)].join('.');

/** Runs the scenario named by argv[2] and prints its result; unknown names and failures exit non-zero. */
export function runScenario(scenarios: Record<string, Scenario>): void {
  const name = process.argv[2] ?? '';
  const scenario = scenarios[name];
  if (!scenario) {
    process.stderr.write(`unknown scenario ${JSON.stringify(name)}; known: ${Object.keys(scenarios).join(', ')}\n`);
    process.exit(2);
  }
  Promise.resolve()
    .then(scenario)
    .then((result) => {
      if (result !== undefined) out(result);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
}
