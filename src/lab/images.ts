// The images the lab's nodes run, built here from Debian packages and our Dockerfile (no registry is reachable).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from './binaries';
import { run } from './shell';

export interface LabImage {
  /** Reference as containerd stores it after import, e.g. localhost/metallbts:0f3a... */
  ref: string;
  archive: string;
}

export interface LabImages {
  metallbts: LabImage;
  nginx: LabImage;
  pause: LabImage;
}

function imagesDir(): string {
  return join(process.env.METALLBTS_CACHE || join(homedir(), '.cache', 'metallbts'), 'images');
}

/** An image images.sh built into the cache (`metallbts`, `nginx`, `pause`, or on demand `plugin-webhook`). */
export function cachedImage(name: string): LabImage {
  const refFile = join(imagesDir(), `${name}.ref`);
  const archive = join(imagesDir(), `${name}.tar`);
  if (!existsSync(refFile) || !existsSync(archive)) throw new Error(`image ${name} not built: ${archive} missing`);
  return { ref: readFileSync(refFile, 'utf8').trim(), archive };
}

/** Splits `localhost/metallbts:tag` into the chart's image.repository and image.tag. */
export function repositoryAndTag(ref: string): { repository: string; tag: string } {
  const at = ref.lastIndexOf(':');
  if (at <= ref.lastIndexOf('/')) return { repository: ref, tag: 'latest' };
  return { repository: ref.slice(0, at), tag: ref.slice(at + 1) };
}

/** Runs the cached, idempotent image builds (seconds when nothing changed) and returns the three images. */
export async function ensureImages(onLine: (l: string) => void = () => undefined): Promise<LabImages> {
  const root = packageRoot();
  for (const script of [join(root, 'test', 'harness', 'images.sh'), join(root, 'test', 'harness', 'pause', 'build.sh')]) {
    const r = await run('bash', [script], { timeoutMs: 40 * 60_000 });
    for (const l of (r.stdout + r.stderr).split('\n').filter((x) => x.startsWith('==>') || /cached|built/.test(x))) onLine(l);
    if (r.code !== 0) throw new Error(`${script} exited ${r.code}:\n${(r.stdout + r.stderr).trim().split('\n').slice(-20).join('\n')}`);
  }
  return { metallbts: cachedImage('metallbts'), nginx: cachedImage('nginx'), pause: cachedImage('pause') };
}
