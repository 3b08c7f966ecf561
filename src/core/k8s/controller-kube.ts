// The controller's Kubernetes adapters, built from one set of API clients; its container holds one (tests, a fake).
import 'reflect-metadata';
import type * as k8s from '@kubernetes/client-node';
import { inject, injectable } from 'tsyringe';
import type { ConfigStatusSink, ControllerEvents, PoolStatusSink, ServiceStatusWriter } from '../ports';
import type { Logger } from '../log';
import type { ServiceView } from '../service';
import { BASIC_TOKENS } from '../tokens';
import { KubeConfigSource, type ConfigSnapshot } from './config-source';
import { COMPONENT_TYPE_LABEL, KubeConfigStatusSink } from './config-status';
import { KubeEventRecorder } from './event-recorder';
import { KubeClients } from './kube-clients';
import { ensureMemberlistSecret } from './memberlist-secret';
import { KubeNamespaceLabels } from './namespace-labels';
import { KubePoolStatusWriter } from './pool-status';
import { KubeServiceStatusWriter } from './service-status-writer';
import { toServiceView } from './service-view';
import { ViewWatch } from './view-watch';

/** A list+watch that runs until stopped. */
export interface Watching {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface NamespaceLabelSource extends Watching {
  get(namespace: string): Record<string, string>;
}

export interface ServiceViewSource extends Watching {
  items(): ServiceView[];
}

export interface ServiceViewHandlers {
  upsert(view: ServiceView): void;
  remove(view: ServiceView): void;
}

export interface ControllerKube {
  /** Creates the memberlist Secret (default name `memberlist`) when missing; true when it did. */
  ensureMemberlistSecret(name?: string): Promise<boolean>;
  namespaceLabels(onChange: (namespace: string) => void): NamespaceLabelSource;
  statusWriter(): ServiceStatusWriter;
  events(): ControllerEvents;
  configStatus(): ConfigStatusSink;
  /** IPAddressPool status counters; stop() writes what is pending. */
  poolStatus(): PoolStatusSink & { stop(): Promise<void> };
  configSource(onSnapshot: (snap: ConfigSnapshot) => void): Watching;
  /** Every Service, cached as compact views (the controller never needs a full object). */
  services(handlers: ServiceViewHandlers): ServiceViewSource;
}

@injectable()
export class KubeControllerAdapters implements ControllerKube {
  constructor(
    @inject(KubeClients) private readonly clients: KubeClients,
    @inject(BASIC_TOKENS.namespace) private readonly namespace: string,
    @inject(BASIC_TOKENS.log) private readonly log: Logger,
  ) {}

  ensureMemberlistSecret(name?: string): Promise<boolean> {
    return ensureMemberlistSecret(this.clients, this.namespace, name);
  }

  namespaceLabels(onChange: (namespace: string) => void): NamespaceLabelSource {
    return new KubeNamespaceLabels(this.clients, this.log, onChange);
  }

  statusWriter(): ServiceStatusWriter {
    return new KubeServiceStatusWriter(this.clients);
  }

  events(): ControllerEvents {
    return new KubeEventRecorder(this.clients, 'metallb-controller', this.log);
  }

  configStatus(): ConfigStatusSink {
    // MetalLB's label; conditions turning False become Warning Events on this ConfigurationState.
    const events = new KubeEventRecorder(this.clients, 'metallb-controller', this.log);
    return new KubeConfigStatusSink(this.clients, this.namespace, 'controller', { [COMPONENT_TYPE_LABEL]: 'controller' }, events);
  }

  poolStatus(): PoolStatusSink & { stop(): Promise<void> } {
    return new KubePoolStatusWriter(this.clients, this.namespace, this.log);
  }

  configSource(onSnapshot: (snap: ConfigSnapshot) => void): Watching {
    return new KubeConfigSource(this.clients, this.namespace, onSnapshot, this.log);
  }

  services(handlers: ServiceViewHandlers): ServiceViewSource {
    const clients = this.clients;
    return new ViewWatch<k8s.V1Service, ServiceView>({
      kc: clients.kc,
      path: '/api/v1/services',
      list: (page) => clients.core.listServiceForAllNamespaces(page),
      view: toServiceView,
      upsert: (s) => handlers.upsert(s),
      remove: (s) => handlers.remove(s),
      log: this.log,
    });
  }
}
