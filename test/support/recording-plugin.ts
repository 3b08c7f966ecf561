// A plugin that records every call, for speaker-loop tests (unit and against the real apiserver).
import {
  PLUGIN_API_VERSION,
  type AnnouncerPlugin,
  type Announcer,
  type PluginContext,
  type ServiceView,
  type Decision,
} from '../../src/core/plugin-api';

export interface RecordedCall {
  op: 'setConfig' | 'setBalancer' | 'deleteBalancer' | 'shutdown';
  service?: string;
  ips?: string[];
  pool?: string;
}

export interface RecordingPlugin extends AnnouncerPlugin {
  calls: RecordedCall[];
  decide: (svc: ServiceView, pool: string) => Decision;
  failOn?: Partial<Record<RecordedCall['op'] | 'create', string>>;
  ctx?: PluginContext;
}

export function recordingPlugin(protocol: string, aliases: string[] = []): RecordingPlugin {
  const plugin: RecordingPlugin = {
    protocol,
    aliases,
    apiVersion: PLUGIN_API_VERSION,
    calls: [],
    decide: () => ({ announce: true, reason: 'recording plugin announces everything' }),
    create(ctx: PluginContext): Announcer {
      if (plugin.failOn?.create) throw new Error(plugin.failOn.create);
      plugin.ctx = ctx;
      const fail = (op: RecordedCall['op']): void => {
        if (plugin.failOn?.[op]) throw new Error(plugin.failOn[op]);
      };
      return {
        async setConfig() {
          fail('setConfig');
          plugin.calls.push({ op: 'setConfig' });
        },
        shouldAnnounce: (svc, pool) => plugin.decide(svc, pool),
        async setBalancer(key, ips, pool) {
          fail('setBalancer');
          plugin.calls.push({ op: 'setBalancer', service: `${key.namespace}/${key.name}`, ips, pool });
          ctx.serviceStatus.set(key, { interfaces: [{ name: 'eth0' }] });
        },
        async deleteBalancer(key) {
          fail('deleteBalancer');
          plugin.calls.push({ op: 'deleteBalancer', service: `${key.namespace}/${key.name}` });
          ctx.serviceStatus.delete(key);
        },
        status: () => ({ healthy: true }),
        async shutdown() {
          plugin.calls.push({ op: 'shutdown' });
        },
      };
    },
  };
  return plugin;
}
