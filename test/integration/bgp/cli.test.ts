// `metallbts bgp announce` as a child process against a scripted peer on 127.0.0.1: JSON events, UPDATE contents, Cease on SIGTERM/SIGINT.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { type BgpMessage } from '../../../plugins/bgp/codec';
import { FakePeer } from '../../unit/bgp/fake-peer';
import { CLI, REPO } from './lab';
import { join } from 'node:path';

const built = existsSync(join(REPO, 'dist', 'src', 'cli', 'commands', 'bgp.js'));
// In CI the build exists (npm test builds first): never skip there.
const d = built || process.env.CI ? describe : describe.skip;

const isNotif = (code: number, subcode: number) => (m: BgpMessage) =>
  m.type === 'notification' && m.notification.code === code && m.notification.subcode === subcode;

d('bgp announce CLI', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)('announces with communities, logs JSON, withdraws + Cease on %s', async (signal) => {
    const peer = new FakePeer({ asn: 64500, hold: 9 });
    const port = await peer.listen();
    const conn = peer.nextConnection(10000);
    const child = spawn(process.execPath, [CLI, 'bgp', 'announce', '--peer', '127.0.0.1', '--peer-port', String(port), '--my-asn', '64501', '--peer-asn', '64500', '--router-id', '10.0.0.1', '--community', '64501:7', '--large-community', '1:2:3', '--prefix', '192.168.1.240/32', '2001:db8::/64'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    child.stdout.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
    try {
      const c = await conn;
      const u = await c.waitFor((m) => m.type === 'update' && m.result.update.nlri.includes('192.168.1.240/32'), 10000);
      expect(u.type === 'update' && u.result.update.attributes).toMatchObject({ communities: [64501 * 65536 + 7], largeCommunities: [{ global: 1, local1: 2, local2: 3 }] });
      await c.waitFor((m) => m.type === 'update' && (m.result.update.attributes.mpReach?.nlri ?? []).includes('2001:db8::/64'));
      child.kill(signal);
      await c.waitFor((m) => m.type === 'update' && m.result.update.withdrawn.includes('192.168.1.240/32'));
      await c.waitFor(isNotif(6, 2));
      expect(await exited).toBe(0);
      const events = lines.map((l) => JSON.parse(l) as { event?: string });
      expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['sessionConnecting', 'sessionUp', 'announced', 'stopping', 'notificationSent', 'stopped']));
    } finally {
      child.kill('SIGKILL');
      await peer.close();
    }
  }, 20000);

  test('--vrf binds the session: lo reaches 127.0.0.1, a missing device is named in the error', async () => {
    const peer = new FakePeer({ asn: 64500, hold: 9 });
    const port = await peer.listen();
    const conn = peer.nextConnection(10000);
    const run = (vrf: string) => {
      const child = spawn(process.execPath, [CLI, 'bgp', 'announce', '--peer', '127.0.0.1', '--peer-port', String(port), '--my-asn', '64501', '--peer-asn', '64500', '--router-id', '10.0.0.1', '--vrf', vrf, '--prefix', '192.168.1.240/32'], { stdio: ['ignore', 'pipe', 'pipe'] });
      const lines: string[] = [];
      child.stdout.on('data', (b: Buffer) => lines.push(...b.toString().split('\n').filter(Boolean)));
      return { child, lines };
    };
    const good = run('lo');
    const bad = run('nodev9z');
    try {
      const c = await conn;
      await c.waitFor((m) => m.type === 'update' && m.result.update.nlri.includes('192.168.1.240/32'), 10000);
      for (let i = 0; i < 100 && !bad.lines.some((l) => l.includes('"vrfMissing"')); i++) await new Promise((r) => setTimeout(r, 50));
      const missing = bad.lines.map((l) => JSON.parse(l) as { event?: string; msg?: string }).find((e) => e.event === 'vrfMissing');
      expect(missing?.msg).toBe('--vrf: no network device "nodev9z" on this node (a VRF or interface name is expected)');
      expect(bad.lines.some((l) => l.includes('"sessionUp"'))).toBe(false);
    } finally {
      good.child.kill('SIGKILL');
      bad.child.kill('SIGKILL');
      await peer.close();
    }
  }, 20000);

  test('bad option → exit 2 with a message', async () => {
    const child = spawn(process.execPath, [CLI, 'bgp', 'announce', '--peer', '127.0.0.1', '--my-asn', '64501', '--peer-asn', '64500', '--hold-time', '2', '--prefix', '10.0.0.0/8'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
    expect(code).toBe(2);
    expect(err).toMatch(/hold time/);
  });
});
