// One BFD session to a BGP peer: the pure state machine driven by real timers and the shared UDP transport.
import { EventEmitter } from 'node:events';
import { randomInt } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Logger } from '../../../src/core/plugin-api';
import { BFD_STATE_NAMES, BfdState, encodeBfdControl, type BfdStateValue } from './codec';
import { BfdStateMachine, type BfdAction, type BfdTimers } from './fsm';
import { bfdMetrics, type BfdMetrics } from './metrics';
import type { BfdTransport } from './transport';

/** The BFDProfile fields MetalLB has, in its units (milliseconds), with FRR's defaults. */
export interface BfdProfileSettings {
  receiveInterval?: number;
  transmitInterval?: number;
  detectMultiplier?: number;
  passiveMode?: boolean;
  /** Multihop only: lowest TTL accepted on received packets (FRR's default 254). */
  minimumTtl?: number;
}

export function timersOf(p: BfdProfileSettings): BfdTimers {
  return {
    requiredMinRxUs: (p.receiveInterval ?? 300) * 1000,
    desiredMinTxUs: (p.transmitInterval ?? 300) * 1000,
    detectMult: p.detectMultiplier ?? 3,
    passive: p.passiveMode ?? false,
  };
}

/** Events: 'up', 'down' ({ diag, from }), 'state' (name). */
export class BfdSession extends EventEmitter {
  private readonly fsm: BfdStateMachine;
  private readonly log: Logger;
  private readonly metrics?: BfdMetrics;
  private txTimer?: NodeJS.Timeout;
  private detectTimer?: NodeJS.Timeout;
  private unregister?: () => void;
  private readonly minimumTtl?: number;

  constructor(
    readonly peer: string,
    profile: BfdProfileSettings,
    private readonly transport: BfdTransport,
    opts: { logger: Logger; metrics?: Registry; name?: string; localDiscriminator?: number },
  ) {
    super();
    this.fsm = new BfdStateMachine(opts.localDiscriminator ?? randomInt(1, 0xffffffff), timersOf(profile));
    this.minimumTtl = profile.minimumTtl;
    this.log = opts.logger.child({ caller: 'bfd-session', peer: opts.name ?? peer });
    if (opts.metrics) this.metrics = bfdMetrics(opts.metrics);
    this.metrics?.sessionUp.set({ peer: this.label }, 0);
  }

  private get label(): string {
    return this.peer;
  }

  get state(): (typeof BFD_STATE_NAMES)[number] {
    return this.fsm.stateName;
  }

  get isUp(): boolean {
    return this.fsm.sessionState === BfdState.Up;
  }

  start(): void {
    if (this.unregister) return;
    this.unregister = this.transport.register(this.peer, (packet) => {
      this.metrics?.controlPacketInput.inc({ peer: this.label });
      this.apply(this.fsm.step({ type: 'rx', packet }));
    }, this.minimumTtl);
    this.apply(this.fsm.step({ type: 'start' }));
  }

  /** Tells the peer we are going away (AdminDown), then stops all timers and listening. */
  stop(): void {
    if (!this.unregister) return;
    this.apply(this.fsm.step({ type: 'adminDown' }));
    clearTimeout(this.txTimer);
    clearTimeout(this.detectTimer);
    this.unregister();
    this.unregister = undefined;
    this.metrics?.sessionUp.set({ peer: this.label }, 0);
  }

  private apply(actions: BfdAction[]): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send':
          try {
            this.transport.send(this.peer, encodeBfdControl(a.packet));
            this.metrics?.controlPacketOutput.inc({ peer: this.label });
          } catch (err) {
            this.log.warn({ event: 'bfdSendFailed', error: (err as Error).message }, 'cannot send BFD packet');
          }
          break;
        case 'armTx':
          clearTimeout(this.txTimer);
          this.txTimer = a.us > 0 && this.unregister ? setTimeout(() => this.apply(this.fsm.step({ type: 'txTimer' })), a.us / 1000) : undefined;
          break;
        case 'armDetect':
          clearTimeout(this.detectTimer);
          this.detectTimer = a.us > 0 && this.unregister ? setTimeout(() => this.apply(this.fsm.step({ type: 'detectTimer' })), a.us / 1000) : undefined;
          break;
        case 'state':
          this.onState(a.from, a.to, a.diag);
          break;
      }
    }
  }

  private onState(from: BfdStateValue, to: BfdStateValue, diag: number): void {
    const names = { from: BFD_STATE_NAMES[from], to: BFD_STATE_NAMES[to] };
    this.emit('state', names.to);
    if (to === BfdState.Up) {
      this.log.info({ event: 'bfdSessionUp', ...names }, 'BFD session up');
      this.metrics?.sessionUp.set({ peer: this.label }, 1);
      this.metrics?.sessionUpEvents.inc({ peer: this.label });
      this.emit('up');
    } else if (from === BfdState.Up) {
      this.log.warn({ event: 'bfdSessionDown', ...names, diag }, 'BFD session down');
      this.metrics?.sessionUp.set({ peer: this.label }, 0);
      this.metrics?.sessionDownEvents.inc({ peer: this.label });
      this.emit('down', { diag, from: names.from });
    }
  }
}
