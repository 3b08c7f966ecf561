// The speaker's Kubernetes adapters, built from one set of API clients; its container holds one (tests, a fake).
import 'reflect-metadata';
import type * as k8s from '@kubernetes/client-node';
import { inject, injectable } from 'tsyringe';
import type { ClusterView, EventRecorder, ServiceStatusPublisher } from '../plugin-api';
import type { Logger } from '../log';
import type { ServiceKey, ServiceView } from '../service';
import { BASIC_TOKENS } from '../tokens';
import type { ComponentStateSink } from '../component-state';
import { KubeClusterView } from './cluster-view';
import { COMPONENT_TYPE_LABEL, KubeConfigStatusSink, listSpeakerReports, NODE_NAME_LABEL } from './config-status';
import { KubeConfigSource, type ConfigSnapshot } from './config-source';
import type { Watching } from './controller-kube';
import { KubeEventRecorder } from './event-recorder';
import { KubeClients } from './kube-clients';
import { objectWatch } from './view-watch';
import { KubeSecretReader } from './secret-reader';
import { KubePasswordSecrets } from './password-secrets';
import type { Config, ConfigIssue } from '../config/model';
import { KubeServiceStatusObjects, STATUS_KINDS } from './service-status-objects';
import { toServiceView } from './service-view';

export interface SecretSource {
  /** Loads the named Secrets; a missing or forbidden one is simply absent. */
  load(names: string[]): Promise<void>;
  /** Reads the loaded Secrets again; the names whose content changed. Optional so test fakes stay valid. */
  reload?(): Promise<string[]>;
  get(name: string, key: string): string | undefined;
}

export interface WatchedClusterView extends ClusterView, Watching {}

/** One protocol's status objects for this node (ServiceL2Status, ServiceBGPStatus). */
export interface NodeStatusObjects extends ServiceStatusPublisher {
  /** Deletes what an earlier run of this speaker left; returns how many. */
  removeStale(): Promise<number>;
  /** Resolves when every queued write has finished. */
  flush(): Promise<void>;
}

export interface ServiceHandlers {
  upsert(view: ServiceView): void;
  remove(key: ServiceKey): void;
}

/** Fills BGPPeer passwords from their passwordSecret (see password-secrets.ts). */
export interface PasswordSecretResolver {
  resolve(config: Config): Promise<{ config?: Config; issues: ConfigIssue[] }>;
  stop(): void;
}

export interface SpeakerKube {
  secrets(): SecretSource;
  /** Optional so test fakes without BGP passwords stay valid; `onChange` fires when a read Secret changed. */
  passwordSecrets?(onChange: () => void): PasswordSecretResolver;
  cluster(): WatchedClusterView;
  /** `resolve` fills a bare Service key (a plugin's) with its uid, so `kubectl describe svc` lists the Event. */
  events(resolve?: (key: ServiceKey) => ServiceView | undefined): EventRecorder;
  /** ConfigurationState `speaker-NODE` (MetalLB's labels); Warning Events on it when a condition turns False. */
  configState(): ComponentStateSink;
  /** The speakers that report (their ConfigurationStates): whom this speaker's memberlist should see. */
  speakerReports(): Promise<Array<{ node: string; lastUpdate?: string }>>;
  /** Protocols that have a status-object kind. */
  statusProtocols(): string[];
  serviceStatus(protocol: string): NodeStatusObjects;
  configSource(onSnapshot: (snap: ConfigSnapshot) => void): Watching;
  services(handlers: ServiceHandlers): Watching;
}

@injectable()
export class KubeSpeakerAdapters implements SpeakerKube {
  constructor(
    @inject(KubeClients) private readonly clients: KubeClients,
    @inject(BASIC_TOKENS.namespace) private readonly namespace: string,
    @inject(BASIC_TOKENS.nodeName) private readonly nodeName: string,
    @inject(BASIC_TOKENS.log) private readonly log: Logger,
  ) {}

  secrets(): SecretSource {
    return new KubeSecretReader(this.clients, this.namespace);
  }

  passwordSecrets(onChange: () => void): PasswordSecretResolver {
    return KubePasswordSecrets.of(this.clients, this.namespace, onChange, this.log);
  }

  cluster(): WatchedClusterView {
    return new KubeClusterView(this.clients, this.log, this.namespace);
  }

  events(resolve?: (key: ServiceKey) => ServiceView | undefined): EventRecorder & KubeEventRecorder {
    return new KubeEventRecorder(this.clients, 'metallb-speaker', this.log, this.nodeName, { resolve });
  }

  configState(): ComponentStateSink {
    const labels = { [COMPONENT_TYPE_LABEL]: 'speaker', [NODE_NAME_LABEL]: this.nodeName };
    return new KubeConfigStatusSink(this.clients, this.namespace, `speaker-${this.nodeName}`, labels, this.events());
  }

  speakerReports(): Promise<Array<{ node: string; lastUpdate?: string }>> {
    return listSpeakerReports(this.clients, this.namespace);
  }

  statusProtocols(): string[] {
    return Object.keys(STATUS_KINDS);
  }

  serviceStatus(protocol: string): NodeStatusObjects {
    return new KubeServiceStatusObjects(this.clients, this.namespace, this.nodeName, protocol, this.log);
  }

  configSource(onSnapshot: (snap: ConfigSnapshot) => void): Watching {
    return new KubeConfigSource(this.clients, this.namespace, onSnapshot, this.log);
  }

  services(handlers: ServiceHandlers): Watching {
    const clients = this.clients;
    return objectWatch<k8s.V1Service>(
      clients.kc,
      '/api/v1/services',
      (page) => clients.core.listServiceForAllNamespaces(page),
      {
        upsert: (s) => handlers.upsert(toServiceView(s)),
        remove: (s) => handlers.remove({ namespace: s.metadata?.namespace ?? '', name: s.metadata?.name ?? '' }),
      },
      this.log,
    );
  }
}
