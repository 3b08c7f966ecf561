// Reads the Secrets named by BGPPeer passwordSecret (GET only, speaker's namespace) and re-checks them for rotation.
import { createHash } from 'node:crypto';
import type { Config, ConfigIssue } from '../config/model';
import { resolvePeerPasswords, type SecretLookup } from '../config/peer-passwords';
import type { Logger } from '../log';
import type { KubeClients } from './kube-clients';
import { readSecret, SECRET_RECHECK_MS, type SecretGetter } from './secret-reader';

export type { SecretGetter } from './secret-reader';

export class KubePasswordSecrets {
  /** Name → fingerprint of what the last resolve read; re-read every `recheckMs` to notice changes. */
  private watched = new Map<string, string>();
  private timer?: NodeJS.Timeout;
  private checking = false;

  constructor(
    private readonly api: SecretGetter,
    private readonly namespace: string,
    private readonly onChange: () => void,
    private readonly log: Logger,
    private readonly recheckMs = SECRET_RECHECK_MS,
  ) {}

  static of(clients: KubeClients, namespace: string, onChange: () => void, log: Logger, recheckMs?: number): KubePasswordSecrets {
    return new KubePasswordSecrets(clients.core, namespace, onChange, log, recheckMs);
  }

  /** Fills the peers' passwords from their Secrets; any problem is a located error and no config. */
  async resolve(config: Config): Promise<{ config?: Config; issues: ConfigIssue[] }> {
    const names = [...new Set(config.peers.flatMap((p) => (p.passwordSecret ? [p.passwordSecret.name] : [])))];
    const read = new Map<string, SecretLookup>();
    for (const name of names) read.set(name, await this.read(name));
    this.watched = new Map([...read].map(([name, lookup]) => [name, fingerprint(lookup)]));
    this.schedule();
    return resolvePeerPasswords(config, this.namespace, (name) => read.get(name) ?? { found: false, reason: 'missing' });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private read(name: string): Promise<SecretLookup> {
    return readSecret(this.api, name, this.namespace);
  }

  private schedule(): void {
    if (this.watched.size === 0) {
      this.stop();
      return;
    }
    if (this.timer) return;
    this.timer = setInterval(() => void this.recheck(), this.recheckMs);
    this.timer.unref();
  }

  /** One pass over the watched Secrets; the first difference triggers a config reload. */
  private async recheck(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      for (const [name, before] of this.watched) {
        if (fingerprint(await this.read(name)) === before) continue;
        this.log.info({ event: 'passwordSecretChanged', secret: `${this.namespace}/${name}` }, 'BGP password Secret changed; reloading configuration');
        this.watched.clear();
        this.onChange();
        return;
      }
    } finally {
      this.checking = false;
    }
  }
}

function fingerprint(lookup: SecretLookup): string {
  return createHash('sha256').update(JSON.stringify(lookup)).digest('hex');
}
