// Injection tokens for what the controller's and the speaker's containers hold (interfaces have no runtime class).
import type { InjectionToken } from 'tsyringe';
import type { LoadOptions } from '../config';
import type { HealthChecks } from '../http/health-server';
import type { ControllerKube } from '../k8s/controller-kube';
import type { SpeakerKube } from '../k8s/speaker-kube';
import { BASIC_TOKENS } from '../tokens';

/** What serves /metrics, /healthz and /readyz (a test registers one that never listens). */
export interface HealthEndpoint {
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

export type HealthEndpointFactory = (checks: HealthChecks) => HealthEndpoint;

export const TOKENS = {
  ...BASIC_TOKENS,
  /** Installed protocols and plugin validators for the config loader. */
  configOptions: Symbol('configOptions') as InjectionToken<LoadOptions>,
  healthEndpoint: Symbol('healthEndpoint') as InjectionToken<HealthEndpointFactory>,
  /** The controller's Kubernetes adapters (config, Services, status, Events, namespaces, Secret). */
  controllerKube: Symbol('controllerKube') as InjectionToken<ControllerKube>,
  /** The speaker's Kubernetes adapters (config, Services, Nodes/EndpointSlices, Secrets, status objects, Events). */
  speakerKube: Symbol('speakerKube') as InjectionToken<SpeakerKube>,
} as const;
