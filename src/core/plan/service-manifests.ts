// Reads Services (and Namespaces, for their labels) from YAML as `kubectl get -o yaml` or hand-written files give them, for offline planning.
import * as yaml from 'js-yaml';
import type * as k8s from '@kubernetes/client-node';
import { toServiceView } from '../k8s/service-view';
import type { ServiceView } from '../service';

export interface ServiceManifests {
  services: ServiceView[];
  /** Labels of Namespace objects found in the same files. */
  namespaceLabels: Map<string, Record<string, string>>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Flattens documents, `kind: List`/`ServiceList` and any object with an `items` array. */
function objectsOf(doc: unknown, out: Record<string, unknown>[]): void {
  if (Array.isArray(doc)) {
    for (const d of doc) objectsOf(d, out);
  } else if (isObject(doc)) {
    if (Array.isArray(doc.items) && (doc.kind === undefined || String(doc.kind).endsWith('List'))) {
      for (const item of doc.items) objectsOf(item, out);
    } else {
      out.push(doc);
    }
  }
}

/**
 * Parses one YAML text (multi-document, List, ServiceList). Throws on a YAML syntax error (with
 * js-yaml's line/column). Items of other kinds are ignored, except Namespaces, whose labels are kept.
 * Without `spec.ipFamilies` a Service's families are left open (the requested IP, else IPv4, decides).
 */
export function readServiceManifests(text: string, into: ServiceManifests = { services: [], namespaceLabels: new Map() }): ServiceManifests {
  const objects: Record<string, unknown>[] = [];
  for (const doc of yaml.loadAll(text)) objectsOf(doc, objects);
  for (const o of objects) {
    const kind = o.kind ?? (isObject(o.spec) ? 'Service' : undefined);
    const meta = isObject(o.metadata) ? o.metadata : {};
    if (kind === 'Namespace' && typeof meta.name === 'string') {
      into.namespaceLabels.set(meta.name, { ...((meta.labels as Record<string, string>) ?? {}) });
      continue;
    }
    if (kind !== 'Service') continue;
    const view = toServiceView(o as k8s.V1Service);
    const spec = isObject(o.spec) ? o.spec : {};
    if (!Array.isArray(spec.ipFamilies) || spec.ipFamilies.length === 0) view.ipFamilies = [];
    into.services.push(view);
  }
  return into;
}
