// Hosts the speaker's memberlist for layer2 ownership: which speakers are alive, as MetalLB's speakerlist does.
import type { Logger } from '../../src/core/plugin-api';
import type { Registry } from 'prom-client';
import { Memberlist } from '../../src/memberlist';
import type { MemberlistSettings } from './options';

/** Who is alive, and a way to hear about changes. */
export interface MemberSource {
  /** Alive and suspect member names, or undefined when membership is unknown (then: all Nodes). */
  members(): string[] | undefined;
  onChange(cb: () => void): void;
  status(): { healthy: boolean; message?: string; members?: number };
  stop(): Promise<void>;
  /** Resolves once started and the first join was tried (decisions before that would see only ourselves). */
  ready?: Promise<void>;
}

/** Memberlist turned off: every Node counts as a live speaker. */
export class NoMembership implements MemberSource {
  constructor(private readonly why = 'memberlist disabled') {}
  members(): undefined {
    return undefined;
  }
  onChange(): void {}
  status(): { healthy: boolean; message: string } {
    return { healthy: true, message: this.why };
  }
  async stop(): Promise<void> {}
}

export interface SpeakerMembershipDeps {
  nodeName: string;
  settings: MemberlistSettings;
  secret?: string;
  logger: Logger;
  /** The speaker's registry: memberlist's own metrics (drops, which key decrypted) are served on /metrics too. */
  registry?: Registry;
  /** Peers to (re-)join: the configured list or other Nodes' addresses. */
  peers(): string[];
}

/** A running memberlist; starts in the background, joins peers, re-joins while alone. */
export class SpeakerMembership implements MemberSource {
  private ml?: Memberlist;
  private failure?: string;
  private readonly listeners: Array<() => void> = [];
  private timer?: NodeJS.Timeout;
  private stopped = false;
  readonly ready: Promise<void>;

  constructor(private readonly deps: SpeakerMembershipDeps) {
    this.ready = this.start().catch((err: unknown) => {
      this.failure = (err as Error).message;
      deps.logger.error({ event: 'memberlistFailed', error: this.failure }, 'memberlist did not start; every Node counts as a live speaker');
    });
  }

  members(): string[] | undefined {
    return this.ml ? this.ml.members().map((m) => m.name) : undefined;
  }

  onChange(cb: () => void): void {
    this.listeners.push(cb);
  }

  status(): { healthy: boolean; message?: string; members?: number } {
    if (this.failure) return { healthy: false, message: `memberlist: ${this.failure}` };
    if (!this.ml) return { healthy: true, message: 'memberlist starting' };
    return { healthy: true, members: this.ml.members().length };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.ready;
    if (!this.ml) return;
    try {
      await this.ml.leave(1000);
    } finally {
      await this.ml.shutdown();
    }
  }

  private async start(): Promise<void> {
    const { settings, logger, nodeName } = this.deps;
    if (!settings.bindAddr) throw new Error('no bind address (set memberlist.bindAddr or give the Node an address)');
    if (!this.deps.secret && !settings.insecureClear) {
      throw new Error('no memberlist secret (Secret memberlist, key secretkey); set memberlist.insecureClear to gossip in clear text');
    }
    const ml = await Memberlist.create({
      name: nodeName,
      bindAddr: settings.bindAddr,
      bindPort: settings.bindPort,
      secret: this.deps.secret,
      keyDerivation: settings.keyDerivation,
      insecureClear: !this.deps.secret,
      label: settings.label,
      profile: settings.profile,
      logger: logger.child({ caller: 'memberlist' }),
      registry: this.deps.registry,
    });
    if (this.stopped) {
      await ml.shutdown();
      return;
    }
    this.ml = ml;
    if (this.deps.secret) {
      logger.info({ event: 'memberlistKeys', keyDerivation: settings.keyDerivation, keys: ml.keyring.size }, 'memberlist sends with the key of this derivation and accepts the keys of all derivations');
    }
    ml.on('change', (ev, info) => {
      logger.info({ event: 'memberlistEvent', type: ev, member: info.name }, 'memberlist membership changed');
      for (const cb of this.listeners) cb();
    });
    await this.join();
    this.timer = setInterval(() => {
      if ((this.ml?.members().length ?? 0) <= 1) void this.join();
    }, settings.rejoinMs);
    this.timer.unref();
  }

  private async join(): Promise<void> {
    const peers = this.deps.peers();
    if (!this.ml || peers.length === 0) return;
    try {
      const n = await this.ml.join(peers);
      this.deps.logger.info({ event: 'memberlistJoined', peers, answered: n }, 'joined memberlist cluster');
    } catch (err) {
      this.deps.logger.warn({ event: 'memberlistJoinFailed', error: (err as Error).message }, 'memberlist join failed, will retry');
    }
  }
}
