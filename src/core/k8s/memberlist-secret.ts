// Creates the memberlist Secret as MetalLB does (secretkey = 16 random bytes, base64 RawStd: 22 chars).
import { randomBytes } from 'node:crypto';
import type { KubeClients } from './kube-clients';
import { apiStatusCode, withRetry } from './kube-clients';

export const MEMBERLIST_SECRET = 'memberlist';
export const MEMBERLIST_SECRET_KEY = 'secretkey';

export function generateMemberlistSecret(): string {
  return randomBytes(16).toString('base64').replace(/=+$/, '');
}

/** Returns true when it created the Secret, false when one already existed. */
export async function ensureMemberlistSecret(clients: KubeClients, namespace: string, name = MEMBERLIST_SECRET): Promise<boolean> {
  try {
    await clients.core.readNamespacedSecret({ name, namespace });
    return false;
  } catch (err) {
    if (apiStatusCode(err) !== 404) throw err;
  }
  try {
    await withRetry('create memberlist secret', () =>
      clients.core.createNamespacedSecret({
        namespace,
        body: {
          metadata: { name, namespace },
          type: 'Opaque',
          stringData: { [MEMBERLIST_SECRET_KEY]: generateMemberlistSecret() },
        },
      }),
      { retryConflict: false },
    );
    return true;
  } catch (err) {
    if (apiStatusCode(err) === 409) return false; // created concurrently
    throw err;
  }
}
