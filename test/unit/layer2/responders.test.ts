// ARP/NDP responder behaviour (what is answered, how, what is counted and logged) over fake transports.
import { Registry } from 'prom-client';
import {
  ARP_REPLY,
  ARP_REQUEST,
  decodeArpFrame,
  decodeNdp,
  encodeArpFrame,
  encodeNdp,
  findLla,
  llaOption,
  OPT_SOURCE_LLA,
  OPT_TARGET_LLA,
  type ArpFrame,
} from '../../../plugins/layer2/codec';
import { Layer2Responders } from '../../../plugins/layer2/responders';
import { captureLogger, FakeInterfaces, FakeTransports, iface } from './fakes';

const OUR_MAC = '02:00:00:00:00:0b';
const CLIENT_MAC = '02:00:00:00:00:64';

function request(targetIp: string, ethDst = 'ff:ff:ff:ff:ff:ff', op = ARP_REQUEST): Buffer {
  const f: ArpFrame = {
    ethDst,
    ethSrc: CLIENT_MAC,
    op,
    senderMac: CLIENT_MAC,
    senderIp: '192.168.1.100',
    targetMac: '00:00:00:00:00:00',
    targetIp,
  };
  return encodeArpFrame(f);
}

function ns(target: string, withLla = true): Buffer {
  return encodeNdp({ type: 135, target, options: withLla ? [llaOption(OPT_SOURCE_LLA, CLIENT_MAC)] : [] });
}

async function metric(reg: Registry, name: string, ip: string): Promise<number> {
  const m = await reg.getSingleMetric(name)?.get();
  return m?.values.find((v) => v.labels.ip === ip)?.value ?? 0;
}

function setup(opts: { interfaces?: string[] } = {}) {
  const transports = new FakeTransports();
  const source = new FakeInterfaces([iface('eth0', 2, OUR_MAC), iface('eth1', 3, '02:00:00:00:01:0b')]);
  const { logger, lines } = captureLogger();
  const registry = new Registry();
  const r = new Layer2Responders({
    logger,
    registry,
    source,
    transports,
    interfaces: opts.interfaces,
    gratuitous: { intervalMs: 1100, durationMs: 5000 },
  });
  r.start();
  return { r, transports, source, lines, registry };
}

describe('ArpResponder (via Layer2Responders)', () => {
  afterEach(() => jest.useRealTimers());

  it('answers a broadcast request for an owned IP with a unicast reply from the interface MAC', async () => {
    const { r, transports, lines, registry } = setup();
    r.announce('192.168.1.240');
    const arp = transports.arps.get('eth0')!;
    arp.sent = [];
    arp.deliver(request('192.168.1.240'), 1);
    expect(arp.sent).toHaveLength(1);
    expect(decodeArpFrame(arp.sent[0]!)).toEqual({
      ethDst: CLIENT_MAC,
      ethSrc: OUR_MAC,
      op: ARP_REPLY,
      senderMac: OUR_MAC,
      senderIp: '192.168.1.240',
      targetMac: CLIENT_MAC,
      targetIp: '192.168.1.100',
    });
    expect(arp.sent[0]!.length).toBe(60);
    expect(lines.find((l) => l.msg === 'got ARP request for service IP, sending response')).toMatchObject({
      interface: 'eth0',
      ip: '192.168.1.240',
      senderIP: '192.168.1.100',
      senderMAC: CLIENT_MAC,
      responseMAC: OUR_MAC,
    });
    expect(await metric(registry, 'metallb_layer2_requests_received', '192.168.1.240')).toBe(1);
    expect(await metric(registry, 'metallb_layer2_responses_sent', '192.168.1.240')).toBe(1);
    r.stop();
  });

  it('answers a request unicast to our MAC', () => {
    const { r, transports } = setup();
    r.announce('192.168.1.240');
    const arp = transports.arps.get('eth0')!;
    arp.sent = [];
    arp.deliver(request('192.168.1.240', OUR_MAC), 0);
    expect(arp.sent).toHaveLength(1);
    r.stop();
  });

  it.each([
    ['an IP not announced', request('192.168.1.241')],
    ['a request to another MAC', request('192.168.1.240', '02:00:00:00:00:99')],
    ['an ARP reply', request('192.168.1.240', 'ff:ff:ff:ff:ff:ff', ARP_REPLY)],
    ['a malformed frame', Buffer.alloc(30)],
  ])('ignores %s', async (_name, frame) => {
    const { r, transports, registry } = setup();
    r.announce('192.168.1.240');
    const arp = transports.arps.get('eth0')!;
    arp.sent = [];
    arp.deliver(frame, 1);
    expect(arp.sent).toHaveLength(0);
    expect(await metric(registry, 'metallb_layer2_requests_received', '192.168.1.241')).toBe(0);
    r.stop();
  });

  it('stops answering after withdraw', () => {
    const { r, transports } = setup();
    r.announce('192.168.1.240');
    r.withdraw('192.168.1.240');
    const arp = transports.arps.get('eth0')!;
    arp.sent = [];
    arp.deliver(request('192.168.1.240'), 1);
    expect(arp.sent).toHaveLength(0);
    r.stop();
  });

  it('answers only on the interfaces an IP is announced on', () => {
    const { r, transports } = setup();
    r.announce('192.168.1.240', ['eth1']);
    const [a0, a1] = [transports.arps.get('eth0')!, transports.arps.get('eth1')!];
    a0.sent = [];
    a1.sent = [];
    a0.deliver(request('192.168.1.240'), 1);
    a1.deliver(request('192.168.1.240'), 1);
    expect(a0.sent).toHaveLength(0);
    expect(a1.sent).toHaveLength(1);
    expect(decodeArpFrame(a1.sent[0]!).senderMac).toBe('02:00:00:00:01:0b');
    r.stop();
  });

  it('reports a send failure without counting a response', async () => {
    const { r, transports, registry, lines } = setup();
    r.announce('192.168.1.240');
    const arp = transports.arps.get('eth0')!;
    arp.fail = true;
    arp.deliver(request('192.168.1.240'), 1);
    expect(await metric(registry, 'metallb_layer2_responses_sent', '192.168.1.240')).toBe(0);
    expect(lines.some((l) => l.msg === 'failed to send ARP reply')).toBe(true);
    r.stop();
  });
});

describe('gratuitous announcements', () => {
  afterEach(() => jest.useRealTimers());

  it('sends ARP request + reply per round: immediately, then every 1.1 s until 5 s (5 rounds)', async () => {
    jest.useFakeTimers();
    const { r, transports, registry } = setup({ interfaces: ['eth0'] });
    r.announce('192.168.1.240');
    const arp = transports.arps.get('eth0')!;
    expect(arp.sent.map((f) => decodeArpFrame(f).op)).toEqual([ARP_REQUEST, ARP_REPLY]);
    for (const f of arp.sent.map(decodeArpFrame)) {
      expect(f).toMatchObject({ ethDst: 'ff:ff:ff:ff:ff:ff', senderIp: '192.168.1.240', targetIp: '192.168.1.240', senderMac: OUR_MAC });
    }
    jest.advanceTimersByTime(1099);
    expect(arp.sent).toHaveLength(2);
    jest.advanceTimersByTime(1);
    expect(arp.sent).toHaveLength(4);
    jest.advanceTimersByTime(10_000);
    expect(arp.sent).toHaveLength(10);
    expect(await metric(registry, 'metallb_layer2_gratuitous_sent', '192.168.1.240')).toBe(10);
    r.stop();
  });

  it('withdraw cancels pending rounds', () => {
    jest.useFakeTimers();
    const { r, transports } = setup({ interfaces: ['eth0'] });
    r.announce('192.168.1.240');
    r.withdraw('192.168.1.240');
    jest.advanceTimersByTime(10_000);
    expect(transports.arps.get('eth0')!.sent).toHaveLength(2);
    r.stop();
  });

  it('IPv6: unsolicited NA to ff02::1 with O=1 S=0 and our target LLA', () => {
    jest.useFakeTimers();
    const { r, transports } = setup({ interfaces: ['eth0'] });
    r.announce('fd00::f0');
    const ndp = transports.ndps.get('eth0')!;
    expect(ndp.sent).toHaveLength(1);
    expect(ndp.sent[0]!.dst).toBe('ff02::1');
    const na = decodeNdp(ndp.sent[0]!.message);
    expect(na).toMatchObject({ type: 136, solicited: false, override: true, router: false, target: 'fd00::f0' });
    expect(findLla(na, OPT_TARGET_LLA)).toBe(OUR_MAC);
    jest.advanceTimersByTime(6000);
    expect(ndp.sent).toHaveLength(5);
    expect(transports.arps.get('eth0')!.sent).toHaveLength(0);
    r.stop();
  });
});

describe('NdpResponder (via Layer2Responders)', () => {
  it('joins the solicited-node group per owned IP, once per group, and leaves on withdraw', () => {
    const { r, transports } = setup({ interfaces: ['eth0'] });
    const ndp = transports.ndps.get('eth0')!;
    r.announce('fd00::1:f0');
    r.announce('fd00::2:f0'); // same low 24 bits → same group
    r.announce('fd00::f1');
    expect([...ndp.joined].sort()).toEqual(['ff02::1:ff01:f0', 'ff02::1:ff02:f0', 'ff02::1:ff00:f1'].sort());
    r.withdraw('fd00::f1');
    expect(ndp.joined.has('ff02::1:ff00:f1')).toBe(false);
    r.stop();
    expect(ndp.closed).toBe(true);
  });

  it('shares a group between IPs with the same low 24 bits', () => {
    const { r, transports } = setup({ interfaces: ['eth0'] });
    const ndp = transports.ndps.get('eth0')!;
    r.announce('fd00::f0');
    r.announce('fd01::f0');
    expect(ndp.joins).toEqual(['ff02::1:ff00:f0']);
    r.withdraw('fd00::f0');
    expect(ndp.leaves).toEqual([]);
    r.withdraw('fd01::f0');
    expect(ndp.leaves).toEqual(['ff02::1:ff00:f0']);
    r.stop();
  });

  it('answers an NS with source LLA: NA S=1 O=0 with target LLA, to the sender', async () => {
    const { r, transports, lines, registry } = setup({ interfaces: ['eth0'] });
    r.announce('fd00::f0');
    const ndp = transports.ndps.get('eth0')!;
    ndp.sent = [];
    ndp.deliver(ns('fd00::f0'), 'fd00::64');
    expect(ndp.sent).toHaveLength(1);
    expect(ndp.sent[0]!.dst).toBe('fd00::64');
    const na = decodeNdp(ndp.sent[0]!.message);
    expect(na).toMatchObject({ type: 136, solicited: true, override: false, router: false, target: 'fd00::f0' });
    expect(findLla(na, OPT_TARGET_LLA)).toBe(OUR_MAC);
    expect(lines.find((l) => l.msg === 'got NDP request for service IP, sending response')).toMatchObject({
      interface: 'eth0',
      ip: 'fd00::f0',
      senderIP: 'fd00::64',
      senderMAC: CLIENT_MAC,
      responseMAC: OUR_MAC,
    });
    expect(await metric(registry, 'metallb_layer2_responses_sent', 'fd00::f0')).toBe(1);
    r.stop();
  });

  it.each([
    ['an NS without source LLA (DAD)', ns('fd00::f0', false)],
    ['an NS for another IP', ns('fd00::f1')],
    ['an NA', encodeNdp({ type: 136, router: false, solicited: false, override: true, target: 'fd00::f0', options: [] })],
    ['garbage', Buffer.from([1, 2, 3])],
  ])('ignores %s', (_name, msg) => {
    const { r, transports } = setup({ interfaces: ['eth0'] });
    r.announce('fd00::f0');
    const ndp = transports.ndps.get('eth0')!;
    ndp.sent = [];
    ndp.deliver(msg, 'fd00::64');
    expect(ndp.sent).toHaveLength(0);
    r.stop();
  });
});

describe('interface rescan', () => {
  it('opens responders for new eligible interfaces and closes vanished or changed ones', () => {
    const { r, transports, source } = setup();
    expect(r.interfaces()).toEqual(['eth0', 'eth1']);
    const old0 = transports.arps.get('eth0')!;
    source.items = [iface('eth0', 2, '02:00:00:00:00:0c'), iface('eth2', 4, '02:00:00:00:02:0b')];
    r.rescan();
    expect(r.interfaces()).toEqual(['eth0', 'eth2']);
    expect(old0.closed).toBe(true);
    expect(transports.arps.get('eth0')).not.toBe(old0);
    r.stop();
    expect(transports.arps.get('eth2')!.closed).toBe(true);
  });

  it('re-joins solicited-node groups on a new interface', () => {
    const { r, transports, source } = setup();
    r.announce('fd00::f0');
    source.items = [...source.items, iface('eth2', 4, '02:00:00:00:02:0b')];
    r.rescan();
    expect([...transports.ndps.get('eth2')!.joined]).toEqual(['ff02::1:ff00:f0']);
    r.stop();
  });

  it('opens no NDP responder on an interface without an IPv6 link-local address (as MetalLB)', () => {
    const { r, transports, source } = setup();
    source.items = [iface('eth5', 9, '02:00:00:00:05:0b', { ipv6LinkLocal: false })];
    r.rescan();
    expect(transports.arps.has('eth5')).toBe(true);
    expect(transports.ndps.has('eth5')).toBe(false);
    r.stop();
  });

  it('honours an explicit interface list', () => {
    const { r } = setup({ interfaces: ['eth1'] });
    expect(r.interfaces()).toEqual(['eth1']);
    r.stop();
  });
});
