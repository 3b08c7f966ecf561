// Built-in layer2 plugin descriptor: ARP/NDP announcement with owner election over memberlist.
import { PLUGIN_API_VERSION, type AnnouncerPlugin, type PluginContext, type Announcer } from '../../src/core/plugin-api';
import { createLayer2Announcer } from './announcer';

export const layer2Plugin: AnnouncerPlugin = {
  protocol: 'layer2',
  aliases: ['arp'],
  apiVersion: PLUGIN_API_VERSION,
  create(ctx: PluginContext): Announcer {
    return createLayer2Announcer(ctx);
  },
};

export default layer2Plugin;

export { Layer2Announcer, createLayer2Announcer, type Layer2AnnouncerDeps } from './announcer';
export { Layer2Responders, type Layer2RespondersOptions } from './responders';
export { ArpResponder } from './arp-responder';
export { NdpResponder } from './ndp-responder';
export { electOwner, electionOrder, type ElectionInput, type ElectionResult } from './owner-election';
export { parseLayer2Options, type Layer2Options } from './options';
export * as codec from './codec';
