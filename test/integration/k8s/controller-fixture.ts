// One controller for a whole test file: metallb-system installed with a configuration, the controller started before the tests, stopped after.
import type { RunningController } from '../../../src/core/controller/run-controller';
import { installMetallbSystem, type ControlPlaneAccess } from '../../support/metallb-system';
import { startTestController } from '../../support/test-controller';

export interface ControllerFixture {
  /** The controller now running (undefined before beforeAll). */
  readonly running: RunningController | undefined;
  /** Starts a controller again (after the test stopped `running`). */
  start(): Promise<RunningController>;
}

/** Call at the top level of a test file after useControlPlane(); `config` is applied before the controller starts. */
export function useTestController(cp: ControlPlaneAccess, config: () => string): ControllerFixture {
  let kubeconfig = '';
  let running: RunningController | undefined;
  const fixture: ControllerFixture = {
    get running() {
      return running;
    },
    async start() {
      running = await startTestController(kubeconfig);
      return running;
    },
  };
  beforeAll(async () => {
    kubeconfig = (await installMetallbSystem(cp)).controller;
    await cp.kubectlOk(['apply', '-f', '-'], { input: config() });
    await fixture.start();
  }, 120_000);
  afterAll(async () => {
    await running?.stop();
  });
  return fixture;
}
