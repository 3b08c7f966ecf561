// What the `validate --plugin`/`plan --plugin` tests share: the fixture plugin's path, a Services manifest, a scratch folder.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

export const ROOT = join(__dirname, '..', '..', '..');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'plugins', 'static-route-plugin.ts');
/** The static-route fixture plugin as a user types it: a path from the working directory. */
export const fixtureArg = (): string => `./${relative(process.cwd(), FIXTURE)}`;

/** One LoadBalancer Service, default/web, TCP port 80. */
export const SERVICES = `apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec: {type: LoadBalancer, selector: {app: web}, ports: [{port: 80, protocol: TCP}]}
`;

/** A temporary folder made before the calling file's tests and removed after them; `file` writes one file there and returns its path. */
export function scratchFolder(prefix: string): { dir: () => string; file: (name: string, text: string) => string } {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  return { dir: () => dir, file };
}
