// Injection tokens for what every component has (logger, metrics, queue, names): the floor the k8s adapters inject from.
import type { InjectionToken } from 'tsyringe';
import type { Registry } from 'prom-client';
import type { Logger } from './log';
import type { SerialQueue } from './serial-queue';

export const BASIC_TOKENS = {
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
} as const;
