// Built-in bgp plugin descriptor: native BGP-4 sessions announcing service prefixes.
import { PLUGIN_API_VERSION, type AnnouncerPlugin, type PluginContext, type Announcer } from '../../src/core/plugin-api';

export const bgpPlugin: AnnouncerPlugin = {
  protocol: 'bgp',
  apiVersion: PLUGIN_API_VERSION,
  create(_ctx: PluginContext): Announcer {
    throw new Error('bgp announcer is not built yet (issue: BGP plugin)');
  },
};

export default bgpPlugin;
