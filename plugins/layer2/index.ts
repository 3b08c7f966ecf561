// Built-in layer2 plugin descriptor: ARP/NDP announcement with owner election over memberlist.
import { PLUGIN_API_VERSION, type AnnouncerPlugin, type PluginContext, type Announcer } from '../../src/core/plugin-api';

export const layer2Plugin: AnnouncerPlugin = {
  protocol: 'layer2',
  aliases: ['arp'],
  apiVersion: PLUGIN_API_VERSION,
  create(_ctx: PluginContext): Announcer {
    throw new Error('layer2 announcer is not built yet (issue: Layer 2 plugin)');
  },
};

export default layer2Plugin;
