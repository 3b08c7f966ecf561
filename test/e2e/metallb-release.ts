// MetalLB as its users install it on the lab cluster: its own Helm chart (vendored) with images built here from its Go module.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChartRelease } from '../../src/lab/chart-release';
import { repositoryAndTag, type LabImage } from '../../src/lab/images';
import { run } from '../../src/lab/shell';
import { METALLB_NAMESPACE } from '../../src/lab/topology';

const REPO = join(__dirname, '..', '..');
const cacheDir = (): string => process.env.METALLBTS_CACHE || join(process.env.HOME ?? '/root', '.cache', 'metallbts');

/** The MetalLB version of the chart, the images and the memberlist key derivation (`metallb-legacy` up to v0.16.1). */
export const METALLB_VERSION = 'v0.16.1';
export const METALLB_KEY_DERIVATION = 'metallb-legacy';
export const METALLB_RELEASE = 'metallb';
export const METALLB_CHART = join(REPO, 'test', 'fixtures', 'metallb-chart', METALLB_VERSION);
/** MetalLB's chart names the memberlist Secret `<release>-memberlist`. */
export const METALLB_MEMBERLIST_SECRET = `${METALLB_RELEASE}-memberlist`;
/** MetalLB's pods carry `app.kubernetes.io/name=metallb`, ours `metallbts`. */
export const METALLB_POD_NAME_LABEL = 'metallb';

export interface MetalLBImages {
  speaker: LabImage;
  controller: LabImage;
}

/** Builds (cached) MetalLB's speaker and controller images from the Go binaries of test/interop/metallb/build.sh. */
export async function buildMetalLBImages(): Promise<MetalLBImages> {
  const script = join(REPO, 'test', 'interop', 'metallb', 'images.sh');
  const r = await run('bash', [script, METALLB_VERSION], { timeoutMs: 40 * 60_000 });
  if (r.code !== 0) throw new Error(`${script} exited ${r.code}:\n${(r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n')}`);
  const image = (name: string): LabImage => {
    const base = join(cacheDir(), 'images', `metallb-${name}-${METALLB_VERSION}`);
    if (!existsSync(`${base}.tar`)) throw new Error(`${base}.tar missing after ${script}`);
    return { ref: readFileSync(`${base}.ref`, 'utf8').trim(), archive: `${base}.tar` };
  };
  return { speaker: image('speaker'), controller: image('controller') };
}

/**
 * The values a lab install of MetalLB's chart needs. Images: ours. The lab's API server runs outside the pod
 * network (no kube-proxy in its namespace), so it cannot call MetalLB's validating webhook: the controller runs
 * with `webhookMode=disabled` and the webhooks' failure policy is `Ignore` (both chart values). frr-k8s off: layer2.
 */
export function metallbValues(images: MetalLBImages): string[] {
  const s = repositoryAndTag(images.speaker.ref);
  const c = repositoryAndTag(images.controller.ref);
  return ['--set', `speaker.image.repository=${s.repository}`, '--set', `speaker.image.tag=${s.tag}`,
    '--set', `controller.image.repository=${c.repository}`, '--set', `controller.image.tag=${c.tag}`,
    '--set', 'frrk8s.enabled=false', '--set', 'controller.webhookMode=disabled', '--set', 'crds.validationFailurePolicy=Ignore'];
}

export class MetalLBRelease {
  /** `helm` comes from our ChartRelease (run in the lab's cp namespace with the lab's kubeconfig). */
  constructor(private readonly helmRunner: ChartRelease, readonly images: MetalLBImages) {}

  private async mustHelm(args: string[], timeoutMs = 240_000): Promise<string> {
    const r = await this.helmRunner.helm(args, timeoutMs);
    if (r.code !== 0) throw new Error(`helm ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  }

  /** The command line as a user would type it. */
  describe(verb: 'install' | 'upgrade', extra: string[] = []): string {
    const args = verb === 'install' ? metallbValues(this.images) : ['--reuse-values'];
    return `helm ${verb} ${METALLB_RELEASE} test/fixtures/metallb-chart/${METALLB_VERSION} -n ${METALLB_NAMESPACE} ${[...args, ...extra].join(' ')}`;
  }

  install(): Promise<string> {
    return this.mustHelm(['install', METALLB_RELEASE, METALLB_CHART, '-n', METALLB_NAMESPACE, ...metallbValues(this.images)]);
  }

  /** `helm upgrade --reuse-values` with `extra` (e.g. the speaker's node affinity, controller.enabled=false). */
  upgrade(extra: string[]): Promise<string> {
    return this.mustHelm(['upgrade', METALLB_RELEASE, METALLB_CHART, '-n', METALLB_NAMESPACE, '--reuse-values', ...extra]);
  }

  uninstall(): Promise<string> {
    return this.mustHelm(['uninstall', METALLB_RELEASE, '-n', METALLB_NAMESPACE, '--wait', '--timeout', '120s']);
  }

  /** Release names in the namespace (`helm list -q`). */
  async releases(): Promise<string[]> {
    return (await this.mustHelm(['list', '-q', '-n', METALLB_NAMESPACE])).split('\n').map((l) => l.trim()).filter(Boolean);
  }
}
