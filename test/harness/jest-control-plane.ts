// One control plane per jest file: started in beforeAll, stopped in afterAll, shared by the file's tests.
import { startControlPlane, type ControlPlane, type ControlPlaneOptions } from './apiserver';
import { kubectl, kubectlJson, kubectlOk, type KubectlOptions, type KubectlResult } from './kubectl';

export interface SharedControlPlane {
  /** The running control plane; throws if called before beforeAll finished. */
  get(): ControlPlane;
  kubectl(args: string[], opts?: KubectlOptions): Promise<KubectlResult>;
  kubectlOk(args: string[], opts?: KubectlOptions): Promise<string>;
  kubectlJson<T = unknown>(args: string[], opts?: KubectlOptions): Promise<T>;
}

/** Call at the top level of a test file; registers beforeAll/afterAll hooks with generous timeouts. */
export function useControlPlane(opts: ControlPlaneOptions = {}): SharedControlPlane {
  let cp: ControlPlane | undefined;
  const startTimeout = (opts.readyTimeoutMs ?? 120_000) + 30_000;
  beforeAll(async () => {
    cp = await startControlPlane(opts);
  }, startTimeout);
  afterAll(async () => {
    await cp?.stop();
    cp = undefined;
  }, 30_000);
  const get = (): ControlPlane => {
    if (!cp) throw new Error('control plane not started (did beforeAll fail?)');
    return cp;
  };
  return {
    get,
    kubectl: (args, o) => kubectl(get().kubeconfigPath, args, o),
    kubectlOk: (args, o) => kubectlOk(get().kubeconfigPath, args, o),
    kubectlJson: <T = unknown>(args: string[], o?: KubectlOptions) => kubectlJson<T>(get().kubeconfigPath, args, o),
  };
}
