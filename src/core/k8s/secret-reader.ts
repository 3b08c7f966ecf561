// Reads keys of Secrets in the speaker's namespace (the memberlist key), once, with the env override MetalLB uses.
import type { KubeClients } from './kube-clients';
import { apiStatusCode } from './kube-clients';

export class KubeSecretReader {
  private readonly cache = new Map<string, Record<string, string>>();

  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
  ) {}

  /** Loads the named Secrets; a missing or forbidden one is simply absent. */
  async load(names: string[]): Promise<void> {
    for (const name of names) {
      try {
        const s = await this.clients.core.readNamespacedSecret({ name, namespace: this.namespace });
        const data: Record<string, string> = {};
        for (const [k, v] of Object.entries(s.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
        this.cache.set(name, data);
      } catch (err) {
        const code = apiStatusCode(err);
        if (code !== 404 && code !== 403) throw err;
      }
    }
  }

  get(name: string, key: string): string | undefined {
    if (name === 'memberlist' && key === 'secretkey' && process.env.METALLB_ML_SECRET_KEY) return process.env.METALLB_ML_SECRET_KEY;
    return this.cache.get(name)?.[key];
  }
}
