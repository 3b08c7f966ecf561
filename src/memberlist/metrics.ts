// Prometheus metrics for the gossip layer; also kept as plain counts so tests need no registry.
import { Counter, Gauge, Registry } from 'prom-client';
import type { DecodeFailure } from './errors';

/** Why a packet was dropped (the `reason` label of the drop counter). */
export type DropReason = DecodeFailure | 'wrong-node' | 'unencrypted' | 'closed';

/** The registry's metric of that name when one is there already (Memberlists sharing a registry), else a new one on it. */
function shared<L extends string, M extends Counter<L> | Gauge<L>>(
  registry: Registry,
  Metric: new (cfg: { name: string; help: string; labelNames: L[]; registers: Registry[] }) => M,
  cfg: { name: string; help: string; labelNames: L[] },
): M {
  return (registry.getSingleMetric(cfg.name) as M | undefined) ?? new Metric({ ...cfg, registers: [registry] });
}

/** The library's counters and gauges (on the registry given in the options, and readable without one). */
export class MemberlistMetrics {
  private readonly dropCounts = new Map<string, number>();
  private readonly dropped?: Counter<'reason'>;
  private readonly members?: Gauge<'state'>;
  private readonly decrypts = { primary: 0, secondary: 0 };
  private readonly decrypted?: Counter<'key'>;

  constructor(registry?: Registry) {
    if (!registry) return;
    this.dropped = shared(registry, Counter<'reason'>, {
      name: 'metallbts_memberlist_packets_dropped_total',
      help: 'Memberlist packets and streams dropped because they were malformed, truncated, oversized, wrongly keyed or labelled',
      labelNames: ['reason'],
    });
    this.members = shared(registry, Gauge<'state'>, { name: 'metallbts_memberlist_members', help: 'Known memberlist nodes by state', labelNames: ['state'] });
    this.decrypted = shared(registry, Counter<'key'>, {
      name: 'metallbts_memberlist_decrypted_total',
      help: 'Memberlist packets and streams decrypted, by the keyring key that authenticated them (primary or secondary)',
      labelNames: ['key'],
    });
  }


  /** A message was authenticated by the primary key, or by a secondary one (a peer sends with another key). */
  decrypt(primary: boolean): void {
    const key = primary ? 'primary' : 'secondary';
    this.decrypts[key]++;
    this.decrypted?.inc({ key });
  }

  /** Decryptions so far by the key that authenticated them. */
  decryptedCounts(): { primary: number; secondary: number } {
    return { ...this.decrypts };
  }

  /** Counts one dropped packet. */
  drop(reason: DropReason): void {
    this.dropCounts.set(reason, (this.dropCounts.get(reason) ?? 0) + 1);
    this.dropped?.inc({ reason });
  }

  /** Sets the member gauge, by state. */
  setMembers(counts: Record<string, number>): void {
    if (!this.members) return;
    for (const [state, n] of Object.entries(counts)) this.members.set({ state }, n);
  }

  /** Drops so far by reason. */
  droppedCounts(): Record<string, number> {
    return Object.fromEntries(this.dropCounts);
  }
}
