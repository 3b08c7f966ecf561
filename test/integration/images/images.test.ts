// Builds the images with test/harness/images.sh (cached) and runs them in a real, throwaway containerd.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startScratchContainerd, type ScratchContainerd } from './scratch-containerd';

const ROOT = join(__dirname, '..', '..', '..');
const NETNS = 'imgtest-ns';
const IMAGES = join(process.env.METALLBTS_CACHE ?? join(homedir(), '.cache', 'metallbts'), 'images');
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
// Cold: Debian rootfs twice, npm ci and the native + TypeScript build on 2 busy cores.
const BUILD_TIMEOUT_MS = 45 * 60_000;

/** Runs images.sh, its output in a log next to the archives; rejects with the log's tail on failure. */
function buildImages(): Promise<void> {
  const log = join(IMAGES, 'images-test.log');
  return new Promise((resolve, reject) => {
    const fd = openSync(log, 'w');
    const child = spawn('bash', [join(ROOT, 'test/harness/images.sh')], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    const timer = setTimeout(() => child.kill('SIGKILL'), BUILD_TIMEOUT_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve();
      const tail = readFileSync(log, 'utf8').trimEnd().split('\n').slice(-40).join('\n');
      reject(new Error(`images.sh exited ${code ?? signal}:\n${tail}`));
    });
  });
}

const refOf = (name: string): string => readFileSync(join(IMAGES, `${name}.ref`), 'utf8').trim();

describe('container images built from Debian packages and the root Dockerfile', () => {
  jest.setTimeout(5 * 60_000);
  let cd: ScratchContainerd | undefined;
  let metallbts = '';
  let nginx = '';
  let seq = 0;

  /** `ctr run --rm` of the metallbts image (read-only root filesystem); args replace entrypoint + cmd when given. */
  async function runMetallbts(args: string[]): Promise<{ code: number; out: string }> {
    const r = await cd!.ctr(['run', '--rm', '--read-only', metallbts, `${NETNS}-run-${++seq}`, ...args]);
    return { code: r.code, out: r.stdout + r.stderr };
  }

  beforeAll(async () => {
    mkdirSync(IMAGES, { recursive: true });
    await buildImages();
    metallbts = refOf('metallbts');
    nginx = refOf('nginx');
    cd = await startScratchContainerd(NETNS);
    for (const name of ['metallbts', 'nginx']) {
      const r = await cd.ctr(['images', 'import', join(IMAGES, `${name}.tar`)], 5 * 60_000);
      if (r.code !== 0) throw new Error(`ctr images import ${name}.tar: ${r.stderr}`);
    }
  }, BUILD_TIMEOUT_MS + 10 * 60_000);

  afterAll(async () => {
    await cd?.stop();
  }, 2 * 60_000);

  it('writes each archive with a localhost/ reference tagged by its inputs hash, and ctr imports it under that name', async () => {
    expect(metallbts).toMatch(/^localhost\/metallbts:[0-9a-f]{16}$/);
    expect(nginx).toMatch(/^localhost\/nginx:[0-9a-f]{16}$/);
    const listed = (await cd!.ctr(['images', 'ls', '-q'])).stdout.split('\n');
    expect(listed).toEqual(expect.arrayContaining([metallbts, nginx]));
  });

  it('runs the entrypoint (node /app/bin/metallbts.js) with both subcommands listed', async () => {
    const r = await runMetallbts([]);
    expect(r.out).toContain('Usage: metallbts');
    expect(r.out).toMatch(/\bcontroller\b/);
    expect(r.out).toMatch(/\bspeaker\b/);
    expect(r.code).toBe(0);
  });

  it('prints the package version', async () => {
    const r = await runMetallbts(['node', '/app/bin/metallbts.js', 'version']);
    expect(r.out.trim()).toBe(`metallbts ${VERSION}`);
    expect(r.code).toBe(0);
  });

  it('runs `controller --help` as uid 65534 on a read-only root filesystem', async () => {
    const r = await runMetallbts(['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', 'node', '/app/bin/metallbts.js', 'controller', '--help']);
    expect(r.out).toContain('Usage: metallbts controller');
    expect(r.code).toBe(0);
  });

  it('runs `speaker --help` and loads the native addons the speaker uses (afpacket, tcpmd5, raw-socket)', async () => {
    const help = await runMetallbts(['node', '/app/bin/metallbts.js', 'speaker', '--help']);
    expect(help.out).toContain('Usage: metallbts speaker');
    const probe = [
      "const a = require('/app/dist/plugins/layer2/afpacket.js').loadAddon();",
      "const t = require('/app/dist/plugins/bgp/native.js').loadSockopt();",
      "const r = require('/app/node_modules/raw-socket');",
      'console.log([typeof a.answerFrame, typeof t, typeof r.createSocket].join(" "));',
    ].join(' ');
    const r = await runMetallbts(['node', '-e', probe]);
    expect(r.out.trim()).toBe('function object function');
    expect(r.code).toBe(0);
  });

  it('serves the stock nginx page on :80 with host networking inside the namespace', async () => {
    const id = `${NETNS}-nginx`;
    const started = await cd!.ctr(['run', '-d', '--net-host', nginx, id]);
    expect(started.code).toBe(0);
    let body = '';
    for (let i = 0; i < 100 && !body.includes('Welcome to nginx!'); i++) {
      body = (await cd!.inNetns('curl', ['-s', '--max-time', '2', 'http://127.0.0.1/'])).stdout;
      if (!body.includes('Welcome to nginx!')) await new Promise((r) => setTimeout(r, 200));
    }
    expect(body).toContain('<title>Welcome to nginx!</title>');
    expect(existsSync(`/var/run/netns/${NETNS}`)).toBe(true);
  });
});
