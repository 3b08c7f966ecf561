// The product installed as users install it: `helm install metallbts charts/metallbts` against the lab cluster.
import { join } from 'node:path';
import { cachedBinary, packageRoot } from './binaries';
import { repositoryAndTag, type LabImage } from './images';
import { runIn, type RunResult } from './shell';
import { labPaths } from './state';
import { CONTROL_PLANE, METALLB_NAMESPACE } from './topology';

export const RELEASE = 'metallbts';

/** A values file shipped in values/ (e.g. layer2-tutorial.yaml). */
export const valuesFile = (name: string): string => join(packageRoot(), 'values', name);
export const chartPath = (): string => join(packageRoot(), 'charts', 'metallbts');

export class ChartRelease {
  constructor(private readonly image: LabImage) {}

  /** helm in the cp namespace (the API is only reachable there), its cache and config kept in the lab dir. */
  helm(args: string[], timeoutMs = 180_000): Promise<RunResult> {
    const dir = labPaths.file('helm');
    return runIn(CONTROL_PLANE.ns, 'env', [`HELM_CACHE_HOME=${dir}/cache`, `HELM_CONFIG_HOME=${dir}/config`,
      `HELM_DATA_HOME=${dir}/data`, cachedBinary('helm'), `--kubeconfig=${labPaths.adminKubeconfig()}`, ...args], { timeoutMs });
  }

  private async mustHelm(args: string[], timeoutMs?: number): Promise<string> {
    const r = await this.helm(args, timeoutMs);
    if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  }

  /** The only override a user of our locally built image needs: where the image is. */
  imageArgs(): string[] {
    const { repository, tag } = repositoryAndTag(this.image.ref);
    return ['--set', `image.repository=${repository}`, '--set', `image.tag=${tag}`];
  }

  /** The command line as printed for the user. */
  describe(verb: 'install' | 'upgrade', values: string): string {
    return `helm ${verb} ${RELEASE} charts/metallbts -n ${METALLB_NAMESPACE} -f values/${values} ${this.imageArgs().join(' ')}`;
  }

  install(values: string, extra: string[] = []): Promise<string> {
    return this.mustHelm(['install', RELEASE, chartPath(), '-n', METALLB_NAMESPACE, '-f', valuesFile(values),
      ...this.imageArgs(), ...extra]);
  }

  upgrade(values: string, extra: string[] = []): Promise<string> {
    return this.mustHelm(['upgrade', RELEASE, chartPath(), '-n', METALLB_NAMESPACE, '-f', valuesFile(values),
      ...this.imageArgs(), ...extra]);
  }

  uninstall(): Promise<string> {
    return this.mustHelm(['uninstall', RELEASE, '-n', METALLB_NAMESPACE, '--wait', '--timeout', '120s']);
  }
}
