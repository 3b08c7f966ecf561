// MetalLB's interface eligibility rules and the sysfs reader.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eligible, SysfsInterfaces } from '../../../plugins/layer2/interfaces';
import { roundOffsets } from '../../../plugins/layer2/gratuitous';
import { icmp6FilterPassing } from '../../../plugins/layer2/ndp-socket';
import { iface } from './fakes';

describe('eligible', () => {
  it('accepts an up, broadcast, Ethernet interface', () => {
    expect(eligible(iface('eth0', 2, '02:00:00:00:00:01'))).toEqual({ ok: true });
  });
  it.each([
    ['down', iface('eth0', 2, '02:00:00:00:00:01', { flags: 0x1002 }), 'down'],
    ['no broadcast', iface('wg0', 2, '02:00:00:00:00:01', { flags: 0x1 }), 'not broadcast-capable'],
    ['NOARP', iface('eth0', 2, '02:00:00:00:00:01', { flags: 0x1083 }), 'NOARP'],
    ['enslaved', iface('eth0', 2, '02:00:00:00:00:01', { enslaved: true }), 'enslaved'],
    ['loopback', iface('lo0', 1, '00:00:00:00:00:00', { flags: 0x9 }), 'loopback'],
  ])('rejects %s', (_n, i, reason) => {
    expect(eligible(i)).toEqual({ ok: false, reason });
  });
  it.each(['docker0', 'cbr0', 'dummy0', 'virbr0', 'lxcbr0', 'veth1234', 'lo', 'cali12', 'tunl0', 'flannel.1', 'kube-ipvs0', 'cni0', 'nodelocaldns', 'lxc00'])(
    'excludes %s by name unless named explicitly',
    (name) => {
      const i = iface(name, 5, '02:00:00:00:00:01');
      expect(eligible(i)).toEqual({ ok: false, reason: 'excluded by name' });
      expect(eligible(i, { only: [name], explicit: true })).toEqual({ ok: true });
    },
  );
  it('does not exclude look-alikes (lo must match exactly)', () => {
    expect(eligible(iface('lon1', 5, '02:00:00:00:00:01'))).toEqual({ ok: true });
  });
  it('restricts to a list', () => {
    expect(eligible(iface('eth0', 2, '02:00:00:00:00:01'), { only: ['eth1'] }).ok).toBe(false);
  });
});

describe('SysfsInterfaces', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'mlbts-l2-sysfs-'));
    const mk = (name: string, idx: number, mac: string, flags: string): void => {
      mkdirSync(join(root, name));
      writeFileSync(join(root, name, 'ifindex'), `${idx}\n`);
      writeFileSync(join(root, name, 'address'), `${mac}\n`);
      writeFileSync(join(root, name, 'flags'), `${flags}\n`);
    };
    mkdirSync(root, { recursive: true });
    mk('eth0', 2, '02:AA:00:00:00:01', '0x1003');
    mk('eth1', 3, '02:aa:00:00:00:02', '0x1003');
    symlinkSync(join(root, 'eth0'), join(root, 'eth1', 'master'));
    writeFileSync(
      join(root, 'if_inet6'),
      'fe800000000000000000000000000001 02 40 20 80     eth0\nfd000000000000000000000000000002 03 40 00 80     eth1\n',
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('reads index, MAC (lower-cased), flags and enslavement', () => {
    expect(new SysfsInterfaces(root, join(root, 'if_inet6')).list()).toEqual([
      { name: 'eth0', ifindex: 2, mac: '02:aa:00:00:00:01', flags: 0x1003, enslaved: false, ipv6LinkLocal: true },
      { name: 'eth1', ifindex: 3, mac: '02:aa:00:00:00:02', flags: 0x1003, enslaved: true, ipv6LinkLocal: false },
    ]);
  });
  it('returns nothing for a missing directory', () => {
    expect(new SysfsInterfaces(join(root, 'nope')).list()).toEqual([]);
  });
});

describe('constants', () => {
  it('MetalLB gratuitous timing gives 5 rounds', () => {
    expect(roundOffsets({ intervalMs: 1100, durationMs: 5000 })).toEqual([0, 1100, 2200, 3300, 4400]);
  });
  it('ICMP6 filter passes only NS (type 135)', () => {
    const f = icmp6FilterPassing([135]);
    expect(f.length).toBe(32);
    expect(f.readUInt32LE(16)).toBe(0xffffff7f);
    expect([...f].filter((b) => b !== 0xff)).toEqual([0x7f]);
  });
});
