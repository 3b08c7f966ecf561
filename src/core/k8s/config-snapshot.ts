// Turns watched ConfigMap/CRD objects into config-loader inputs, named as `kubectl` would name them.
import type { ConfigObject } from '../config';
import type { ConfigSnapshot } from './config-source';

export class ConfigSnapshotReader {
  constructor(private readonly namespace: string) {}

  objects(snap: ConfigSnapshot): ConfigObject[] {
    const out: ConfigObject[] = [];
    if (snap.configMap) out.push({ object: snap.configMap, kind: 'ConfigMap', file: `configmap/${this.namespace}/config` });
    for (const o of snap.objects) {
      out.push({ object: o, kind: o.kind, file: `${(o.kind ?? 'object').toLowerCase()}/${this.namespace}/${o.metadata?.name ?? ''}` });
    }
    return out;
  }
}
