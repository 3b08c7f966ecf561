/**
 * The only runtime import of @kubernetes/client-node: its index loads every API class and model
 * (~70 MB RSS). `npm run build` replaces this module's output with an esbuild bundle of just these
 * exports (`build:kube-lib`); every other module imports client-node types only.
 */
export { ApiException, CoreV1Api, CustomObjectsApi, DiscoveryV1Api, KubeConfig, PatchStrategy, Watch, makeInformer, setHeaderOptions } from '@kubernetes/client-node';
