// Injection tokens for what the controller's and the speaker's containers hold (interfaces have no runtime class).
import type { InjectionToken } from 'tsyringe';
import type { Registry } from 'prom-client';
import type { LoadOptions } from '../config';
import type { HealthChecks } from '../http/health-server';
import type { ControllerKube } from '../k8s/controller-kube';
import type { SpeakerKube } from '../k8s/speaker-kube';
import type { Logger } from '../log';
import type { SerialQueue } from '../serial-queue';

/** What serves /metrics, /healthz and /readyz (a test registers one that never listens). */
export interface HealthEndpoint {
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export type HealthEndpointFactory = (checks: HealthChecks) => HealthEndpoint;

export const TOKENS = {
  /** The process's logger, as the command line made it. */
  rootLogger: Symbol('rootLogger') as InjectionToken<Logger>,
  /** The component's logger (root logger with `caller` and, for a speaker, `node`). */
  log: Symbol('log') as InjectionToken<Logger>,
  /** The component's Prometheus registry (default metrics included). */
  metrics: Symbol('metrics') as InjectionToken<Registry>,
  /** The one queue watch events and reconciles run on, in order. */
  eventQueue: Symbol('eventQueue') as InjectionToken<SerialQueue>,
  /** Namespace holding the config, the memberlist Secret and the status objects. */
  namespace: Symbol('namespace') as InjectionToken<string>,
  /** The speaker's node (`--node-name`). */
  nodeName: Symbol('nodeName') as InjectionToken<string>,
  /** Installed protocols and plugin validators for the config loader. */
  configOptions: Symbol('configOptions') as InjectionToken<LoadOptions>,
  healthEndpoint: Symbol('healthEndpoint') as InjectionToken<HealthEndpointFactory>,
  /** The controller's Kubernetes adapters (config, Services, status, Events, namespaces, Secret). */
  controllerKube: Symbol('controllerKube') as InjectionToken<ControllerKube>,
  /** The speaker's Kubernetes adapters (config, Services, Nodes/EndpointSlices, Secrets, status objects, Events). */
  speakerKube: Symbol('speakerKube') as InjectionToken<SpeakerKube>,
} as const;
