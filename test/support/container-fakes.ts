// Stand-ins a test registers in a controller/speaker container: a recording health endpoint, and no real API clients.
import type { DependencyContainer } from 'tsyringe';
import type { HealthEndpoint } from '../../src/core/composition/tokens';
import type { HealthChecks } from '../../src/core/http/health-server';
import { KubeClients } from '../../src/core/k8s/kube-clients';

/** A health endpoint factory that records the checks it got, where it was asked to listen, and close(); it "listens" on `port`. */
export function fakeHealth(port: number) {
  const seen: { checks?: HealthChecks; listen?: [number, string | undefined]; closed: boolean } = { closed: false };
  const factory = (checks: HealthChecks): HealthEndpoint => {
    seen.checks = checks;
    return {
      listen: async (p, host) => {
        seen.listen = [p, host];
        return port;
      },
      close: async () => void (seen.closed = true),
    };
  };
  return { seen, factory };
}

/** Makes building the real API clients fail the test: everything Kubernetes must come from registered fakes. */
export function forbidRealKubeClients(c: DependencyContainer): void {
  c.register(KubeClients, {
    useFactory: () => {
      throw new Error('the real API clients were built');
    },
  });
}
