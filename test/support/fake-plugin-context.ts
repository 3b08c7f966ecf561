// A PluginContext for plugin unit tests: node n1 alone, silent logs, a fresh metrics registry, no-op events/status.
import { Registry } from 'prom-client';
import { silentLogger } from '../../src/core/log';
import type { EndpointView, NodeView, PluginContext } from '../../src/core/plugin-api';

/** `endpoints`: what cluster.endpoints() returns for every Service; `overrides` replace whole fields. */
export function fakePluginContext(endpoints: EndpointView[] = [], overrides: Partial<PluginContext> = {}): PluginContext {
  const node: NodeView = { name: 'n1', labels: {}, networkUnavailable: false, addresses: [] };
  return {
    nodeName: 'n1',
    logger: silentLogger(),
    metrics: new Registry(),
    cluster: { node: () => node, nodes: () => [node], endpoints: () => endpoints, onChange: () => () => undefined },
    events: { normal: () => undefined, warning: () => undefined },
    signal: new AbortController().signal,
    requestResync: () => undefined,
    options: {},
    secret: () => undefined,
    serviceStatus: { set: () => undefined, delete: () => undefined },
    ...overrides,
  };
}
