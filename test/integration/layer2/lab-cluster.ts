// What every speaker cluster in node namespaces shares: the lab, its named nodes, their speakers' logs and temp dir.
import type { ChildProcess } from 'node:child_process';
import type { L2Lab, LabHost } from './netns-lab';
import type { LogLine } from './speaker-log';

export abstract class LabCluster<N extends LabHost & { name: string }> {
  /** Temp dir (made when the cluster comes up): the relay socket and one log file per speaker. */
  dir = '';
  protected rootRelay?: ChildProcess;
  protected readonly logs = new Map<string, LogLine[]>();
  /** Set by down(): speaker output arriving later is dropped. */
  protected stopped = false;

  constructor(
    readonly lab: L2Lab,
    readonly nodes: N[],
  ) {}

  node(name: string): N {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  /** Node name owning `mac`, or the MAC itself when it belongs to no node. */
  nameOf(mac: string | undefined): string | undefined {
    return this.nodes.find((n) => n.mac === mac)?.name ?? mac;
  }

  lines(node: string): LogLine[] {
    return this.logs.get(node) ?? [];
  }
}
