// A settable ClusterView: tests add nodes and endpoints and the plugin's onChange callbacks run, as on a real speaker.
import { serviceKeyString, type ClusterView, type EndpointView, type NodeView, type ServiceKey } from '../core/plugin-api';

/** A `NodeView` with defaults: no labels, network available, no addresses, interfaces not reported. */
export function makeNode(name: string, parts: Partial<Omit<NodeView, 'name'>> = {}): NodeView {
  return { name, labels: {}, networkUnavailable: false, addresses: [], ...parts };
}

/** A ready, serving endpoint (override any condition). */
export function makeEndpoint(nodeName: string | undefined, addresses: string[] = ['10.0.0.1'], parts: Partial<EndpointView> = {}): EndpointView {
  return { addresses, nodeName, ready: true, serving: true, terminating: false, ...parts };
}

/** The cluster as a plugin sees it through `ctx.cluster`, plus setters that notify the plugin's `onChange` subscribers. */
export class FakeCluster implements ClusterView {
  private readonly nodeMap = new Map<string, NodeView>();
  private readonly endpointMap = new Map<string, EndpointView[]>();
  private readonly listeners = new Set<() => void>();
  /** Errors thrown by `onChange` callbacks (a plugin's callback must not throw; the conformance suite checks this is empty). */
  readonly callbackErrors: unknown[] = [];

  constructor(nodes: NodeView[] = []) {
    for (const n of nodes) this.nodeMap.set(n.name, n);
  }

  node(name: string): NodeView | undefined {
    return this.nodeMap.get(name);
  }

  nodes(): NodeView[] {
    return [...this.nodeMap.values()];
  }

  endpoints(key: ServiceKey): EndpointView[] {
    return this.endpointMap.get(serviceKeyString(key)) ?? [];
  }

  onChange(cb: () => void): () => void {
    // A distinct wrapper per subscription, so subscribing the same function twice needs two unsubscribes.
    const entry = (): void => cb();
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** How many `onChange` subscriptions are live (a plugin should leave none after `shutdown`). */
  get subscriberCount(): number {
    return this.listeners.size;
  }

  /** Adds or replaces a node, then notifies. */
  setNode(node: NodeView): void {
    this.nodeMap.set(node.name, node);
    this.notify();
  }

  /** Removes a node, then notifies. */
  deleteNode(name: string): void {
    this.nodeMap.delete(name);
    this.notify();
  }

  /** Sets a Service's endpoints (an empty list removes them), then notifies. */
  setEndpoints(key: ServiceKey | string, endpoints: EndpointView[]): void {
    const k = typeof key === 'string' ? key : serviceKeyString(key);
    if (endpoints.length === 0) this.endpointMap.delete(k);
    else this.endpointMap.set(k, endpoints);
    this.notify();
  }

  /** Runs every `onChange` callback now (as the speaker does on a node or EndpointSlice event). */
  notify(): void {
    for (const cb of [...this.listeners]) {
      try {
        cb();
      } catch (err) {
        this.callbackErrors.push(err);
      }
    }
  }
}
