// announcer-node speakers and client-probe backends in an L2Lab's nodes: spawning them and reading their decisions.
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { electionOrder } from '../../../plugins/layer2/owner-election';
import { until } from '../../support/until';
import type { AnnouncerNodeSpec } from './announcer-node';
import { collectLines, REPO, type L2Lab } from './netns-lab';

/** Where the built announcer-node.js and client-probe.js are. */
export const LAYER2_DIST = join(REPO, 'dist', 'test', 'integration', 'layer2');
/** The memberlist secret every announcer-node of a test shares. */
export const ANNOUNCER_SECRET = 'AbCdEfGhIjKlMnOpQrStUv';

export type LogLines = Array<Record<string, unknown>>;

/** Serves HTTP on `port` in every node (answering with the node's name) and waits until each listens. */
export async function startBackends(lab: L2Lab, names: string[], port: number): Promise<void> {
  for (const [i, n] of lab.nodes.entries()) {
    const srv = lab.spawn(n.ns, process.execPath, [join(LAYER2_DIST, 'client-probe.js'), 'serve', String(port), names[i]!]);
    const lines = collectLines(srv);
    if (!(await until(() => lines.some((l) => l.listening === port), 10_000))) throw new Error(`backend on ${names[i]} did not start`);
  }
}

/** The announcer-node of lab node `i` (named `names[i]`, all nodes its members, node-b hosting the endpoint). */
export function spawnAnnouncer(lab: L2Lab, names: string[], i: number, vip: string, profile: AnnouncerNodeSpec['profile'],
  options?: AnnouncerNodeSpec['options']): { proc: ChildProcess; lines: LogLines } {
  const nodes = lab.nodes.map((n, j) => ({ name: names[j]!, addr: n.ip4 }));
  const spec: AnnouncerNodeSpec = { nodeName: names[i]!, nodes, endpointNode: 'node-b', vip, secret: ANNOUNCER_SECRET, profile, ...(options ? { options } : {}) };
  const proc = lab.spawn(lab.nodes[i]!.ns, process.execPath, [join(LAYER2_DIST, 'announcer-node.js'), JSON.stringify(spec)]);
  return { proc, lines: collectLines(proc) };
}

/** A speaker's last `decision` log line. */
const lastDecisionIn = (lines: LogLines): Record<string, unknown> | undefined => [...lines].reverse().find((l) => l.event === 'decision');

/** Converged: every speaker sees all `names` as members and only `owner` announces. */
const electedEverywhere = (logs: LogLines[], names: string[], owner: string): boolean =>
  logs.every((ls, i) => {
    const dcs = lastDecisionIn(ls);
    return Array.isArray(dcs?.members) && (dcs.members as string[]).length === names.length && dcs.announce === (names[i] === owner);
  });

/** An announcer-node ('lan') on each of a lab's nodes, named `names`, and what tests read of them. */
export class ElectedAnnouncers {
  readonly procs: ChildProcess[] = [];
  readonly logs: LogLines[] = [];
  /** `names` in sha256(name#vip) order: the first announces. */
  readonly order: string[];

  constructor(
    private readonly lab: L2Lab,
    readonly names: string[],
    readonly vip: string,
  ) {
    this.order = electionOrder(names, vip);
  }

  idx(name: string): number {
    return this.names.indexOf(name);
  }

  lastDecision(i: number): Record<string, unknown> | undefined {
    return lastDecisionIn(this.logs[i]!);
  }

  /** The lab up with the VIP on every node, then `before` (e.g. backends), then start(); any failure takes the lab down again. */
  async up(before: () => Promise<void> = () => Promise.resolve()): Promise<void> {
    try {
      this.lab.up([this.vip]);
      await before();
      await this.start();
    } catch (e) {
      this.lab.down();
      throw e;
    }
  }

  /** Spawns them; resolves once every one sees all members and only the sha256-first announces. */
  async start(): Promise<void> {
    for (let i = 0; i < this.lab.nodes.length; i++) {
      const { proc, lines } = spawnAnnouncer(this.lab, this.names, i, this.vip, 'lan');
      this.procs.push(proc);
      this.logs.push(lines);
    }
    const ok = await until(() => electedEverywhere(this.logs, this.names, this.order[0]!), 60_000);
    if (!ok) throw new Error(`speakers did not converge: ${JSON.stringify(this.logs.map((_, i) => this.lastDecision(i)))}`);
  }
}
