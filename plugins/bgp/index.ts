// Built-in bgp plugin descriptor: native BGP-4 sessions announcing service prefixes.
import { PLUGIN_API_VERSION, type AnnouncerPlugin, type PluginContext, type Announcer } from '../../src/core/plugin-api';
import { BgpAnnouncer } from './announcer';

export const bgpPlugin: AnnouncerPlugin = {
  protocol: 'bgp',
  apiVersion: PLUGIN_API_VERSION,
  create(ctx: PluginContext): Announcer {
    return new BgpAnnouncer(ctx);
  },
};

export { BgpAnnouncer, type SessionLike, type SessionFactory } from './announcer';
export { BgpSession, type SessionState, type NegotiatedSession } from './session';
export type { BgpSessionOptions } from './session-options';
export type { RouteAttributes } from './adj-rib-out';
export default bgpPlugin;
