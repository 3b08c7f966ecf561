// Timing profiles: hashicorp's LAN defaults for compatibility, and a `fast` default that detects a
// killed node in about a second on a LAN. Every value can be overridden.

/** The protocol timings (hashicorp/memberlist Config names, in ms). */
export interface MemberlistTimings {
  /** Interval between failure probes. */
  probeIntervalMs: number;
  /** Time to wait for a probe ack. */
  probeTimeoutMs: number;
  /** Members asked to probe indirectly. */
  indirectChecks: number;
  /** Suspicion timeout multiplier (× log(n) × probe interval). */
  suspicionMult: number;
  /** Upper bound of the suspicion timeout, as a multiple of its minimum. */
  suspicionMaxTimeoutMult: number;
  /** Interval between gossip rounds. */
  gossipIntervalMs: number;
  /** Members gossiped to per round. */
  gossipNodes: number;
  /** Retransmissions of a broadcast (× log(n+1)). */
  retransmitMult: number;
  /** Interval between full state syncs. */
  pushPullIntervalMs: number;
  /** Timeout of a TCP exchange. */
  tcpTimeoutMs: number;
  /** How long dead members still get gossip. */
  gossipToTheDeadTimeMs: number;
  /** Upper bound of the local-health multiplier. */
  awarenessMaxMultiplier: number;
  /** Largest UDP packet sent. */
  udpBufferSize: number;
  /** 0 = a dead node's name can never be reclaimed with a new address (Go's default). */
  deadNodeReclaimTimeMs: number;
  /** How long leave() waits for the leave broadcast before giving up. */
  leavePropagateDelayMs: number;
  /**
   * metallbts only: how long a node whose host accepts our TCP ping but which does not answer
   * (alive but stalled, e.g. CPU-starved) is not suspected. 0 = suspect it at once, as Go does.
   */
  stalledNodeGraceMs: number;
}

/** A named set of timings. */
export type ProfileName = 'fast' | 'lan';

/** hashicorp/memberlist DefaultLANConfig. */
export const LAN_PROFILE: Readonly<MemberlistTimings> = Object.freeze({
  probeIntervalMs: 1000,
  probeTimeoutMs: 500,
  indirectChecks: 3,
  suspicionMult: 4,
  suspicionMaxTimeoutMult: 6,
  gossipIntervalMs: 200,
  gossipNodes: 3,
  retransmitMult: 4,
  pushPullIntervalMs: 30_000,
  tcpTimeoutMs: 10_000,
  gossipToTheDeadTimeMs: 30_000,
  awarenessMaxMultiplier: 8,
  udpBufferSize: 1400,
  deadNodeReclaimTimeMs: 0,
  leavePropagateDelayMs: 1000,
  stalledNodeGraceMs: 0,
});

/**
 * Fast failure detection on a LAN: probe every 120 ms (ack timeout 60 ms); SuspicionMult 2 makes
 * k = 0, so a suspicion becomes "dead" after 2 × 120 ms = 240 ms unless the node refutes (it is
 * told at once). A refused TCP ping (nothing listens: the process is gone) ends a probe at the ack
 * timeout; a node whose host accepts the TCP ping but which does not answer (alive but stalled)
 * is not suspected for 900 ms; timers that fire late because we were stalled give that time back.
 * Measured with separate processes on loopback (test/bench/memberlist.bench.ts, 2 loaded cores):
 * a SIGKILLed node is dead on every survivor after p50 ≈ 0.35–0.45 s, p99 < 1 s with 3 and 10
 * nodes, with no false "dead" under background CPU load. Awareness still slows our own probes
 * when we are the slow one.
 */
export const FAST_PROFILE: Readonly<MemberlistTimings> = Object.freeze({
  ...LAN_PROFILE,
  probeIntervalMs: 120,
  probeTimeoutMs: 60,
  suspicionMult: 2,
  suspicionMaxTimeoutMult: 3,
  gossipIntervalMs: 50,
  retransmitMult: 4,
  pushPullIntervalMs: 15_000,
  tcpTimeoutMs: 5_000,
  gossipToTheDeadTimeMs: 10_000,
  awarenessMaxMultiplier: 4,
  stalledNodeGraceMs: 900,
});

/** The timings of a profile with overrides applied. */
export function profileTimings(name: ProfileName, overrides: Partial<MemberlistTimings> = {}): MemberlistTimings {
  const base = name === 'lan' ? LAN_PROFILE : FAST_PROFILE;
  return { ...base, ...overrides };
}
