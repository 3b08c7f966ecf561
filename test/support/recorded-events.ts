// An event recorder that keeps every Kubernetes Event it is given, for the speaker, plugin and controller tests.
import type { EventRecorder } from '../../src/core/plugin-api';

/** One Event as recorded: its type, the Service as `namespace/name`, reason and message. */
export interface RecordedEvent {
  type: string;
  service: string;
  reason: string;
  message: string;
}

/** A recorder (also a controller's `ControllerEvents`) and the list it appends to. */
export function recordedEvents(): { events: RecordedEvent[]; recorder: EventRecorder } {
  const events: RecordedEvent[] = [];
  const recorder: EventRecorder = {
    normal: (k, reason, message) => events.push({ type: 'Normal', service: `${k.namespace}/${k.name}`, reason, message }),
    warning: (k, reason, message) => events.push({ type: 'Warning', service: `${k.namespace}/${k.name}`, reason, message }),
  };
  return { events, recorder };
}
