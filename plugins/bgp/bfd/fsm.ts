// Pure BFD session state machine (RFC 5880 §6.2, §6.8 asynchronous mode): events in, actions out; no clock, no sockets.
import { BFD_STATE_NAMES, BfdDiag, BfdState, type BfdControlPacket, type BfdStateValue } from './codec';

/** RFC 5880 §6.8.3: while not Up, transmit no faster than once a second. */
export const SLOW_TX_US = 1_000_000;

export interface BfdTimers {
  /** Microseconds. */
  desiredMinTxUs: number;
  requiredMinRxUs: number;
  detectMult: number;
  /** Passive role (RFC 5880 §6.1): send nothing until the peer has spoken. */
  passive: boolean;
}

export type BfdAction =
  | { type: 'send'; packet: BfdControlPacket }
  /** (Re)arm the periodic transmit timer; `us` already jittered. 0 → stop transmitting. */
  | { type: 'armTx'; us: number }
  /** (Re)arm the detection timer; 0 → stop it. */
  | { type: 'armDetect'; us: number }
  | { type: 'state'; from: BfdStateValue; to: BfdStateValue; diag: number };

export type BfdEvent =
  | { type: 'start' }
  | { type: 'rx'; packet: BfdControlPacket }
  | { type: 'txTimer' }
  | { type: 'detectTimer' }
  | { type: 'adminDown' };

export type RxDiscard = 'your-discriminator-mismatch' | 'authentication' | 'admin-down';

export class BfdStateMachine {
  private state: BfdStateValue = BfdState.Down;
  private diag: number = BfdDiag.None;
  private remoteDiscr = 0;
  private remoteState: BfdStateValue = BfdState.Down;
  private remoteMinRxUs = 1;
  private remoteDesiredMinTxUs = 0;
  private remoteDetectMult = 0;
  private pollActive = false;
  private started = false;
  /** Why the last packet was dropped, for counters and tests. */
  lastDiscard?: RxDiscard;

  /**
   * @param localDiscr nonzero, unique on this system
   * @param random returns [0, 1); picks the transmit jitter (RFC 5880 §6.8.7)
   */
  constructor(
    readonly localDiscr: number,
    private timers: BfdTimers,
    private readonly random: () => number = Math.random,
  ) {
    if (!Number.isInteger(localDiscr) || localDiscr < 1 || localDiscr > 0xffffffff) throw new RangeError('local discriminator must be 1..2^32-1');
  }

  get sessionState(): BfdStateValue {
    return this.state;
  }

  get stateName(): (typeof BFD_STATE_NAMES)[number] {
    return BFD_STATE_NAMES[this.state];
  }

  get localDiag(): number {
    return this.diag;
  }

  get remoteDiscriminator(): number {
    return this.remoteDiscr;
  }

  /** Detection time in µs: remote Detect Mult × max(our RequiredMinRx, their DesiredMinTx) (§6.8.4). */
  get detectionTimeUs(): number {
    return this.remoteDetectMult * Math.max(this.timers.requiredMinRxUs, this.remoteDesiredMinTxUs);
  }

  step(event: BfdEvent): BfdAction[] {
    const out: BfdAction[] = [];
    switch (event.type) {
      case 'start':
        this.started = true;
        this.armTx(out);
        break;
      case 'rx':
        this.receive(event.packet, out);
        break;
      case 'txTimer':
        if (this.mayTransmit()) out.push({ type: 'send', packet: this.packet(false) });
        this.armTx(out);
        break;
      case 'detectTimer':
        this.remoteDiscr = 0;
        this.remoteDetectMult = 0;
        if (this.state === BfdState.Init || this.state === BfdState.Up) this.goto(BfdState.Down, BfdDiag.ControlDetectionTimeExpired, out);
        out.push({ type: 'armDetect', us: 0 });
        this.armTx(out);
        break;
      case 'adminDown':
        if (this.state !== BfdState.AdminDown) {
          this.goto(BfdState.AdminDown, BfdDiag.AdministrativelyDown, out);
          out.push({ type: 'send', packet: this.packet(false) }, { type: 'armDetect', us: 0 }, { type: 'armTx', us: 0 });
        }
        break;
    }
    return out;
  }

  private receive(p: BfdControlPacket, out: BfdAction[]): void {
    this.lastDiscard = undefined;
    if (p.yourDiscriminator !== 0 && p.yourDiscriminator !== this.localDiscr) return this.discard('your-discriminator-mismatch');
    // No authentication is configured (MetalLB's BFDProfile has none): a packet claiming it is dropped (§6.8.6).
    if (p.auth) return this.discard('authentication');
    const wasSilent = this.remoteDiscr === 0;
    this.remoteDiscr = p.myDiscriminator;
    this.remoteState = p.state;
    this.remoteMinRxUs = p.requiredMinRxUs;
    this.remoteDesiredMinTxUs = p.desiredMinTxUs;
    this.remoteDetectMult = p.detectMult;
    if (p.final && this.pollActive) this.pollActive = false;
    if (this.state === BfdState.AdminDown) return this.discard('admin-down');
    if (p.state === BfdState.AdminDown) {
      if (this.state !== BfdState.Down) this.goto(BfdState.Down, BfdDiag.NeighborSignaledSessionDown, out);
    } else if (this.state === BfdState.Down) {
      if (p.state === BfdState.Down) this.goto(BfdState.Init, BfdDiag.None, out);
      else if (p.state === BfdState.Init) this.goto(BfdState.Up, BfdDiag.None, out);
    } else if (this.state === BfdState.Init) {
      if (p.state === BfdState.Init || p.state === BfdState.Up) this.goto(BfdState.Up, BfdDiag.None, out);
    } else if (p.state === BfdState.Down) {
      this.goto(BfdState.Down, BfdDiag.NeighborSignaledSessionDown, out);
    }
    // A Poll is answered at once with Final (§6.5); not counted as a periodic transmission.
    if (p.poll) out.push({ type: 'send', packet: this.packet(true) });
    out.push({ type: 'armDetect', us: this.detectionTimeUs });
    // A passive end starts transmitting once the peer has spoken; intervals may have changed too.
    if (wasSilent || p.poll || p.final) this.armTx(out);
  }

  private discard(why: RxDiscard): void {
    this.lastDiscard = why;
  }

  private goto(to: BfdStateValue, diag: number, out: BfdAction[]): void {
    const from = this.state;
    if (from === to) return;
    this.state = to;
    this.diag = diag;
    // Entering or leaving Up changes our DesiredMinTx (slow ↔ configured): announce it with a Poll (§6.8.3).
    if ((to === BfdState.Up || from === BfdState.Up) && this.timers.desiredMinTxUs !== SLOW_TX_US) this.pollActive = to === BfdState.Up;
    out.push({ type: 'state', from, to, diag });
    // Tell the peer at once instead of waiting for the next interval.
    if (this.mayTransmit()) out.push({ type: 'send', packet: this.packet(false) });
    this.armTx(out);
  }

  private mayTransmit(): boolean {
    if (!this.started || this.state === BfdState.AdminDown) return false;
    if (this.timers.passive && this.remoteDiscr === 0) return false;
    return this.remoteMinRxUs !== 0;
  }

  private desiredMinTxUs(): number {
    return this.state === BfdState.Up ? this.timers.desiredMinTxUs : Math.max(this.timers.desiredMinTxUs, SLOW_TX_US);
  }

  /** Jittered interval (§6.8.7): 75–100% of max(DesiredMinTx, RemoteMinRx), at most 90% with Detect Mult 1. */
  private armTx(out: BfdAction[]): void {
    if (!this.mayTransmit()) {
      out.push({ type: 'armTx', us: 0 });
      return;
    }
    const base = Math.max(this.desiredMinTxUs(), this.remoteMinRxUs);
    const top = this.timers.detectMult === 1 ? 0.9 : 1;
    const us = Math.max(1, Math.floor(base * (0.75 + (top - 0.75) * this.random())));
    out.push({ type: 'armTx', us });
  }

  private packet(final: boolean): BfdControlPacket {
    return {
      diag: this.diag,
      state: this.state,
      poll: this.pollActive && !final,
      final,
      controlPlaneIndependent: false,
      demand: false,
      detectMult: this.timers.detectMult,
      myDiscriminator: this.localDiscr,
      yourDiscriminator: this.remoteDiscr,
      desiredMinTxUs: this.desiredMinTxUs(),
      requiredMinRxUs: this.timers.requiredMinRxUs,
      requiredMinEchoRxUs: 0,
    };
  }

  /** The peer's view, for status output. */
  get remote(): { state: BfdStateValue; minRxUs: number; desiredMinTxUs: number; detectMult: number } {
    return { state: this.remoteState, minRxUs: this.remoteMinRxUs, desiredMinTxUs: this.remoteDesiredMinTxUs, detectMult: this.remoteDetectMult };
  }
}
