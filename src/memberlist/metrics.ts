// Prometheus metrics for the gossip layer; also kept as plain counts so tests need no registry.
import { Counter, Gauge, Registry } from 'prom-client';
import type { DecodeFailure } from './errors';

/** Why a packet was dropped (the `reason` label of the drop counter). */
export type DropReason = DecodeFailure | 'wrong-node' | 'unencrypted' | 'closed';

/** The library's counters and gauges (on the registry given in the options, and readable without one). */
export class MemberlistMetrics {
  private readonly dropCounts = new Map<string, number>();
  private readonly dropped?: Counter<'reason'>;
  private readonly members?: Gauge<'state'>;
  private readonly decrypts = { primary: 0, secondary: 0 };
  private readonly decrypted?: Counter<'key'>;

  constructor(registry?: Registry) {
    if (!registry) return;
    this.dropped =
      (registry.getSingleMetric('metallbts_memberlist_packets_dropped_total') as Counter<'reason'> | undefined) ??
      new Counter({
        name: 'metallbts_memberlist_packets_dropped_total',
        help: 'Memberlist packets and streams dropped because they were malformed, truncated, oversized, wrongly keyed or labelled',
        labelNames: ['reason'],
        registers: [registry],
      });
    this.members =
      (registry.getSingleMetric('metallbts_memberlist_members') as Gauge<'state'> | undefined) ??
      new Gauge({
        name: 'metallbts_memberlist_members',
        help: 'Known memberlist nodes by state',
        labelNames: ['state'],
        registers: [registry],
      });
    this.decrypted =
      (registry.getSingleMetric('metallbts_memberlist_decrypted_total') as Counter<'key'> | undefined) ??
      new Counter({
        name: 'metallbts_memberlist_decrypted_total',
        help: 'Memberlist packets and streams decrypted, by the keyring key that authenticated them (primary or secondary)',
        labelNames: ['key'],
        registers: [registry],
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
