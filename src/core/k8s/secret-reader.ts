// Reads keys of Secrets in the speaker's namespace (memberlist key, plugin Secrets), with the env override MetalLB uses.
import { isDeepStrictEqual } from 'node:util';
import type { SecretLookup } from '../config/peer-passwords';
import type { KubeClients } from './kube-clients';
import { apiStatusCode } from './kube-clients';

/** How often read Secrets are read again (GET only: the speaker's RBAC names them, it cannot list or watch). */
export const SECRET_RECHECK_MS = 15_000;

/** The slice of the API a Secret read needs (tests may pass a fake). */
export interface SecretGetter {
  readNamespacedSecret(req: { name: string; namespace: string }): Promise<{ type?: string; data?: Record<string, string> }>;
}

/** One GET of a Secret, its data decoded; a failure says why (missing, forbidden, unreadable). */
export async function readSecret(api: SecretGetter, name: string, namespace: string): Promise<SecretLookup> {
  try {
    const s = await api.readNamespacedSecret({ name, namespace });
    const data: Record<string, string> = {};
    for (const [k, v] of Object.entries(s.data ?? {})) data[k] = Buffer.from(v, 'base64').toString('utf8');
    return { found: true, type: s.type, data };
  } catch (err) {
    const code = apiStatusCode(err);
    if (code === 404) return { found: false, reason: 'missing' };
    if (code === 403) return { found: false, reason: 'forbidden' };
    return { found: false, reason: 'unreadable', detail: code === undefined ? (err as Error).message : `HTTP ${code}` };
  }
}

export class KubeSecretReader {
  private readonly cache = new Map<string, Record<string, string>>();
  private names: string[] = [];

  constructor(
    private readonly clients: KubeClients,
    private readonly namespace: string,
  ) {}

  /** Loads the named Secrets; a missing or forbidden one is simply absent. */
  async load(names: string[]): Promise<void> {
    this.names = [...new Set([...this.names, ...names])];
    for (const name of names) {
      const data = await this.read(name);
      if (data) this.cache.set(name, data);
    }
  }

  /**
   * Reads the loaded names again: a plugin reading `ctx.secret` sees a rotated value, or a Secret created
   * after the speaker started, without a restart. Returns the names whose content changed. A Secret that is
   * gone (or no longer readable) is dropped; one that cannot be read for another reason keeps its last value.
   */
  async reload(): Promise<string[]> {
    const changed: string[] = [];
    for (const name of this.names) {
      let data: Record<string, string> | undefined;
      try {
        data = await this.read(name);
      } catch {
        continue;
      }
      if (isDeepStrictEqual(data, this.cache.get(name))) continue;
      if (data) this.cache.set(name, data);
      else this.cache.delete(name);
      changed.push(name);
    }
    return changed;
  }

  get(name: string, key: string): string | undefined {
    if (name === 'memberlist' && key === 'secretkey' && process.env.METALLB_ML_SECRET_KEY) return process.env.METALLB_ML_SECRET_KEY;
    return this.cache.get(name)?.[key];
  }

  /** The Secret's decoded data; undefined when it does not exist or is forbidden (other errors throw). */
  private async read(name: string): Promise<Record<string, string> | undefined> {
    const r = await readSecret(this.clients.core, name, this.namespace);
    if (r.found) return r.data;
    if (r.reason === 'unreadable') throw new Error(`Secret ${this.namespace}/${name}: ${r.detail ?? 'unreadable'}`);
    return undefined;
  }
}
