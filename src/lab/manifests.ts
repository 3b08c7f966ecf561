// The Kubernetes objects the lab applies besides the chart: the tutorial's nginx Deployment and LoadBalancer Service.
import * as yaml from 'js-yaml';
import { L2_SERVICE } from './topology';

const toYaml = (docs: unknown[]): string => docs.map((d) => yaml.dump(d, { lineWidth: -1 })).join('---\n');

/**
 * tutorial-2.yaml from the layer 2 tutorial: an nginx Deployment and a LoadBalancer Service in front of it. The
 * image is the only change: ours, built from Debian's nginx-light, since no registry is reachable.
 */
export function tutorialNginxManifest(image: string, replicas = 1): string {
  return toYaml([
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: L2_SERVICE, namespace: 'default' },
      spec: {
        replicas,
        selector: { matchLabels: { app: L2_SERVICE } },
        template: {
          metadata: { labels: { app: L2_SERVICE } },
          spec: {
            containers: [{
              name: 'nginx', image, imagePullPolicy: 'IfNotPresent', ports: [{ name: 'http', containerPort: 80 }],
              readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 2 },
            }],
          },
        },
      },
    },
    {
      apiVersion: 'v1', kind: 'Service', metadata: { name: L2_SERVICE, namespace: 'default' },
      spec: { type: 'LoadBalancer', selector: { app: L2_SERVICE }, ports: [{ name: 'http', port: 80, protocol: 'TCP', targetPort: 'http' }] },
    },
  ]);
}
