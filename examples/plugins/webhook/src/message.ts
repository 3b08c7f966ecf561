// The JSON a receiver gets: one message per (node, Service) change, a full state that replaces the previous one.
import { randomUUID } from 'node:crypto';

export const MESSAGE_API_VERSION = 'webhook.metallbts.io/v1';

/**
 * `Announce`: this node now announces exactly `ips` for the Service (replacing what it announced before);
 * `Withdraw`: this node no longer announces the Service. Applying a message twice changes nothing, so a
 * receiver may see a retry after a lost response; `id` (also the `Idempotency-Key` header) tells it so.
 */
export interface WebhookMessage {
  apiVersion: typeof MESSAGE_API_VERSION;
  kind: 'Announce' | 'Withdraw';
  /** Unique per message, the same across its retries. */
  id: string;
  /** The speaker's node: each node reports for itself. */
  node: string;
  /** The node's InternalIP/ExternalIP addresses: where traffic for the IPs can be sent. */
  nodeAddresses: string[];
  service: { namespace: string; name: string };
  /** Announce: every IP of the Service from this pool; Withdraw: the IPs announced until now. */
  ips: string[];
  pool: string;
  /** The Service's ports (empty on Withdraw). */
  ports: Array<{ port: number; protocol: string }>;
  /** When the speaker decided (ISO 8601); retries keep it. */
  time: string;
}

/** What the announcer decides; `newMessage` adds the envelope (apiVersion, id, time). */
export type MessageFields = Pick<WebhookMessage, 'kind' | 'node' | 'nodeAddresses' | 'service' | 'ips' | 'pool' | 'ports'>;

export function newMessage(f: MessageFields): WebhookMessage {
  return {
    apiVersion: MESSAGE_API_VERSION,
    kind: f.kind,
    id: randomUUID(),
    node: f.node,
    nodeAddresses: [...f.nodeAddresses],
    service: { namespace: f.service.namespace, name: f.service.name },
    ips: [...f.ips],
    pool: f.pool,
    ports: f.ports.map((p) => ({ port: p.port, protocol: p.protocol })),
    time: new Date().toISOString(),
  };
}
