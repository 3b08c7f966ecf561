// metallbts-plugin-webhook: pools with `protocol: webhook` are announced by POSTing JSON to a URL, from every speaker.
import type { AnnouncerPlugin, ConfigIssue, PoolConfigView } from 'metallbts/plugin-api';
import { WebhookAnnouncer } from './announcer';
import { parseOptions } from './options';

export { WebhookAnnouncer, USER_AGENT } from './announcer';
export { DeliveryQueue, QueueFullError, backoffMs } from './delivery-queue';
export { MESSAGE_API_VERSION, type WebhookMessage } from './message';
export { parseOptions, WebhookOptionsError, DEFAULTS, type WebhookOptions } from './options';

export const PROTOCOL = 'webhook';

/**
 * The plugin. Only types come from `metallbts/plugin-api`, so the built package needs nothing at run time but
 * Node; `apiVersion: 1` is checked against `PLUGIN_API_VERSION` by the compiler (a bump fails the build).
 */
export const plugin: AnnouncerPlugin = {
  protocol: PROTOCOL,
  apiVersion: 1,
  validate(view: PoolConfigView): ConfigIssue[] {
    // Two announcers for one pool send its traffic two ways (the receiver's device and ARP/BGP): say so.
    const others = view.pool.protocols.filter((p) => p !== PROTOCOL);
    if (others.length === 0) return [];
    return [{
      severity: 'warning',
      path: '',
      message: `pool "${view.pool.name}" is announced by ${others.join(' and ')} as well as by the webhook: both will steer traffic for its addresses`,
    }];
  },
  create(ctx) {
    return new WebhookAnnouncer(ctx, parseOptions(ctx.options));
  },
};

export default plugin;
