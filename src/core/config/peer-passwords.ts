// BGPPeer passwordSecret → the peer's TCP-MD5 password, read from a basic-auth Secret as MetalLB does; problems are located.
import type { Config, ConfigIssue, Peer } from './model';

export const BASIC_AUTH_SECRET_TYPE = 'kubernetes.io/basic-auth';
export const PASSWORD_SECRET_KEY = 'password';

/** What the speaker could read of one Secret in its namespace. */
export type SecretLookup =
  | { found: true; type?: string; data: Record<string, string> }
  | { found: false; reason: 'missing' | 'forbidden' | 'unreadable'; detail?: string };

/**
 * Fills `password` of every peer with a `passwordSecret` from `lookup` (Secrets of `namespace`).
 * Any problem rejects the whole config, as MetalLB does: a session must never come up without its password.
 */
export function resolvePeerPasswords(config: Config, namespace: string, lookup: (name: string) => SecretLookup): { config?: Config; issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = [];
  const peers = config.peers.map((peer): Peer => {
    const ref = peer.passwordSecret;
    if (!ref) return peer;
    const at = (message: string): void => {
      issues.push({ severity: 'error', ...(peer.source.file === undefined ? {} : { file: peer.source.file }), path: `${peer.source.path}.spec.passwordSecret`, message });
    };
    const where = `Secret ${namespace}/${ref.name}`;
    if (ref.namespace !== undefined && ref.namespace !== namespace) {
      at(`passwordSecret must be in the speaker's namespace ${JSON.stringify(namespace)}, not ${JSON.stringify(ref.namespace)}`);
      return peer;
    }
    const secret = lookup(ref.name);
    if (!secret.found) {
      const why = { missing: 'does not exist', forbidden: 'cannot be read (forbidden: check the speaker RBAC)', unreadable: 'cannot be read' }[secret.reason];
      at(`${where} for peer ${JSON.stringify(peer.name)} ${why}${secret.detail ? `: ${secret.detail}` : ''}; the session stays down until it is fixed`);
      return peer;
    }
    if (secret.type !== BASIC_AUTH_SECRET_TYPE) {
      at(`${where} has type ${JSON.stringify(secret.type ?? 'Opaque')}; type ${JSON.stringify(BASIC_AUTH_SECRET_TYPE)} is expected`);
      return peer;
    }
    const password = secret.data[PASSWORD_SECRET_KEY];
    if (password === undefined) {
      at(`${where} has no ${JSON.stringify(PASSWORD_SECRET_KEY)} key`);
      return peer;
    }
    if (/[\r\n]/.test(password)) {
      at(`${where}: the password contains a line break`);
      return peer;
    }
    return { ...peer, password };
  });
  return issues.length > 0 ? { issues } : { config: { ...config, peers }, issues };
}
