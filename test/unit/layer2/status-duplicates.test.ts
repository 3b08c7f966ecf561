// ServiceL2Status publishing, duplicate-owner detection (metric + rate-limited Warning event) and the graceful handover, over fakes.
import { Registry } from 'prom-client';
import type { ClusterView, L2Advertisement, PluginContext, ServiceKey } from '../../../src/core/plugin-api';
import { Layer2Announcer } from '../../../plugins/layer2/announcer';
import type { MemberSource } from '../../../plugins/layer2/membership';
import { Layer2Responders } from '../../../plugins/layer2/responders';
import { ARP_REPLY, ARP_REQUEST, decodeArpFrame, encodeArpFrame, encodeNdp, gratuitousArp, llaOption, OPT_TARGET_LLA } from '../../../plugins/layer2/codec';
import { captureLogger, FakeInterfaces, FakeTransports, iface } from './fakes';
import { l2Advertisement as ad, l2Node as node, l2Service as svc } from './fakes';

const VIP = '192.168.1.240';
const VIP6 = 'fd00:1::f0';
const ETH0_MAC = '02:00:00:00:00:0a';
const ETH1_MAC = '02:00:00:00:01:0a';
const OTHER_MAC = '02:00:00:00:00:99';

const cfg = (l2: L2Advertisement[]) => ({ protocol: 'layer2', pools: [], peers: [], bgpAdvertisements: [], l2Advertisements: l2, pluginAdvertisements: [], communityAliases: {} });

class FakeMembers implements MemberSource {
  list: string[] | undefined = ['node-a', 'node-b'];
  stopped = false;
  onStop?: () => void;
  members(): string[] | undefined {
    return this.list;
  }
  onChange(): void {}
  status() {
    return { healthy: true };
  }
  async stop(): Promise<void> {
    this.stopped = true;
    this.onStop?.();
  }
}

/** Records what the core's ServiceStatusPublisher was asked to write. */
class FakeStatus {
  calls: Array<['set', string, Record<string, unknown>] | ['delete', string]> = [];
  current = new Map<string, Record<string, unknown>>();
  set(key: ServiceKey, status: Record<string, unknown>): void {
    this.calls.push(['set', `${key.namespace}/${key.name}`, status]);
    this.current.set(`${key.namespace}/${key.name}`, status);
  }
  delete(key: ServiceKey): void {
    this.calls.push(['delete', `${key.namespace}/${key.name}`]);
    this.current.delete(`${key.namespace}/${key.name}`);
  }
}

async function metric(reg: Registry, name: string, ip: string): Promise<number | undefined> {
  const m = await reg.getSingleMetric(name)?.get();
  return m?.values.find((v) => v.labels.ip === ip)?.value;
}

/** handoverMs and duplicateConfirmMs default to 0 here: tests not about them need not wait. */
function setup(given: Record<string, unknown> = {}) {
  const options: Record<string, unknown> = { handoverMs: 0, duplicateConfirmMs: 0, ...given };
  const nodes = [node('node-a'), node('node-b')];
  const cluster: ClusterView = {
    node: (n) => nodes.find((x) => x.name === n),
    nodes: () => nodes,
    endpoints: () => [{ addresses: ['10.0.0.1'], nodeName: 'node-b', ready: true, serving: true, terminating: false }],
    onChange: () => () => undefined,
  };
  const warnings: Array<{ key: string; reason: string; message: string }> = [];
  const status = new FakeStatus();
  const registry = new Registry();
  const { logger, lines } = captureLogger();
  const ctx: PluginContext = {
    nodeName: 'node-a',
    logger,
    metrics: registry,
    cluster,
    events: { normal: () => undefined, warning: (k, reason, message) => warnings.push({ key: `${k.namespace}/${k.name}`, reason, message }) },
    signal: new AbortController().signal,
    requestResync: () => undefined,
    options,
    secret: () => undefined,
    serviceStatus: status,
  };
  const transports = new FakeTransports();
  const source = new FakeInterfaces([iface('eth0', 2, ETH0_MAC), iface('eth1', 3, ETH1_MAC)]);
  const responders = new Layer2Responders({
    logger,
    registry,
    source,
    transports,
    duplicateReportIntervalMs: typeof options.duplicateReportIntervalMs === 'number' ? options.duplicateReportIntervalMs : undefined,
    duplicateConfirmMs: options.duplicateConfirmMs as number,
  });
  const members = new FakeMembers();
  const a = new Layer2Announcer(ctx, { responders, members });
  return { a, status, warnings, registry, transports, source, responders, members, lines };
}

/** Service default/`name` at `ip`, handed to the announcer as the speaker loop does. */
function announce(s: ReturnType<typeof setup>, name: string, ip: string): Promise<void> {
  return s.a.setBalancer({ namespace: 'default', name }, [ip], 'default', svc(name, [ip]));
}

/** A frame from another host on `ifname`. */
function wire(t: FakeTransports, ifname: string, frame: Buffer): void {
  t.arps.get(ifname)!.deliver(frame, 0);
}

const garp = (op: typeof ARP_REQUEST | typeof ARP_REPLY, ip = VIP, mac = OTHER_MAC): Buffer => encodeArpFrame(gratuitousArp(op, ip, mac));

describe('ServiceL2Status', () => {
  it('set with the interfaces answered on when announcing; unchanged re-announce writes nothing; delete on withdraw', async () => {
    const s = setup();
    await s.a.setConfig(cfg([ad()]));
    await announce(s, 'web', VIP);
    expect(s.status.calls).toEqual([['set', 'default/web', { interfaces: [{ name: 'eth0' }, { name: 'eth1' }] }]]);
    await announce(s, 'web', VIP);
    expect(s.status.calls).toHaveLength(1);
    await s.a.deleteBalancer({ namespace: 'default', name: 'web' });
    expect(s.status.calls[1]).toEqual(['delete', 'default/web']);
    // Deleting what was never announced writes nothing.
    await s.a.deleteBalancer({ namespace: 'default', name: 'other' });
    expect(s.status.calls).toHaveLength(2);
    await s.a.shutdown();
  });

  it('lists only the L2Advertisement interfaces that have a responder', async () => {
    const s = setup();
    await s.a.setConfig(cfg([ad({ interfaces: ['eth1', 'eth9'] })]));
    await announce(s, 'web', VIP);
    expect(s.status.current.get('default/web')).toEqual({ interfaces: [{ name: 'eth1' }] });
    await s.a.shutdown();
  });

  it('follows interface changes found by a rescan', async () => {
    const s = setup();
    await s.a.setConfig(cfg([ad()]));
    await announce(s, 'web', VIP);
    s.source.items = [iface('eth0', 2, ETH0_MAC)];
    s.responders.rescan();
    expect(s.status.current.get('default/web')).toEqual({ interfaces: [{ name: 'eth0' }] });
    await s.a.shutdown();
  });

  it('deletes every published status on shutdown', async () => {
    const s = setup({ handoverMs: 0 });
    await s.a.setConfig(cfg([ad()]));
    await announce(s, 'web', VIP);
    await announce(s, 'dns', '192.168.1.241');
    await s.a.shutdown();
    expect(s.status.current.size).toBe(0);
  });
});

describe('duplicate owner detection', () => {
  it.each([
    ['gratuitous ARP request', garp(ARP_REQUEST), 'gratuitous-arp'],
    ['gratuitous ARP reply', garp(ARP_REPLY), 'gratuitous-arp'],
    [
      'ARP reply to us',
      encodeArpFrame({ ethDst: ETH0_MAC, ethSrc: OTHER_MAC, op: ARP_REPLY, senderMac: OTHER_MAC, senderIp: VIP, targetMac: ETH0_MAC, targetIp: '192.168.1.10' }),
      'arp-reply',
    ],
    [
      'ARP request sent from the VIP',
      encodeArpFrame({ ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: OTHER_MAC, op: ARP_REQUEST, senderMac: OTHER_MAC, senderIp: VIP, targetMac: '00:00:00:00:00:00', targetIp: '192.168.1.1' }),
      'arp-request',
    ],
  ])('%s from another MAC: counted, logged and a Warning event on every Service using the IP', async (_name, frame, kind) => {
    const s = setup();
    await s.a.setConfig(cfg([ad()]));
    await announce(s, 'web', VIP);
    await s.a.setBalancer({ namespace: 'other', name: 'dns' }, [VIP], 'default', svc('dns', [VIP]));
    wire(s.transports, 'eth0', frame);
    expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_total', VIP)).toBe(1);
    expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_macs', VIP)).toBe(1);
    const msg = `IP ${VIP} is also answered by MAC ${OTHER_MAC} on interface eth0`;
    expect(s.warnings).toEqual([
      { key: 'default/web', reason: 'duplicateOwner', message: msg },
      { key: 'other/dns', reason: 'duplicateOwner', message: msg },
    ]);
    expect(s.lines.find((l) => l.event === 'duplicateOwner')).toMatchObject({ level: 40, ip: VIP, mac: OTHER_MAC, interface: 'eth0', kind, msg });
    expect(s.responders.duplicateMacs(VIP)).toEqual([OTHER_MAC]);
    expect(s.a.status().details).toMatchObject({ duplicateOwners: { [VIP]: [OTHER_MAC] } });
    await s.a.shutdown();
  });

  it('ignores our own MAC, IPs we do not announce, ARP probes (sender 0.0.0.0) and interfaces the IP is not announced on', async () => {
    const s = setup();
    await s.a.setConfig(cfg([ad({ interfaces: ['eth1'] })]));
    await announce(s, 'web', VIP);
    wire(s.transports, 'eth1', garp(ARP_REQUEST, VIP, ETH1_MAC));
    wire(s.transports, 'eth1', garp(ARP_REQUEST, '192.168.1.241'));
    wire(
      s.transports,
      'eth1',
      encodeArpFrame({ ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: OTHER_MAC, op: ARP_REQUEST, senderMac: OTHER_MAC, senderIp: '0.0.0.0', targetMac: '00:00:00:00:00:00', targetIp: VIP }),
    );
    wire(s.transports, 'eth0', garp(ARP_REQUEST));
    expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_total', VIP)).toBeUndefined();
    expect(s.warnings).toEqual([]);
    // Announced on both: eth1's own gratuitous ARP heard on eth0 (same segment) is ours, not a duplicate.
    await s.a.setConfig(cfg([ad()]));
    await announce(s, 'web', VIP);
    wire(s.transports, 'eth0', garp(ARP_REQUEST, VIP, ETH1_MAC));
    expect(s.warnings).toEqual([]);
    // Not announced at all: nothing either.
    await s.a.deleteBalancer({ namespace: 'default', name: 'web' });
    wire(s.transports, 'eth1', garp(ARP_REQUEST));
    expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_total', VIP)).toBeUndefined();
    await s.a.shutdown();
  });

  it('still answers requests while a duplicate is seen (as MetalLB: the responder does not go quiet)', async () => {
    const s = setup();
    await s.a.setConfig(cfg([ad()]));
    await announce(s, 'web', VIP);
    const arp = s.transports.arps.get('eth0')!;
    arp.sent = [];
    wire(s.transports, 'eth0', garp(ARP_REQUEST));
    // The GARP request from the other MAC is itself a request for the VIP: answered, unicast to it.
    expect(arp.sent.map((f) => decodeArpFrame(f))).toEqual([expect.objectContaining({ op: ARP_REPLY, ethDst: OTHER_MAC, senderMac: ETH0_MAC, senderIp: VIP })]);
    await s.a.shutdown();
  });

  describe('on a fake clock', () => {
    beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
    afterEach(() => jest.useRealTimers());

    it('rate-limits events and logs per IP/MAC/interface, while the counter counts every frame', async () => {
      const s = setup({ duplicateReportIntervalMs: 10_000 });
      await s.a.setConfig(cfg([ad()]));
      await announce(s, 'web', VIP);
      for (let i = 0; i < 5; i++) wire(s.transports, 'eth0', garp(ARP_REQUEST));
      expect(s.warnings).toHaveLength(1);
      wire(s.transports, 'eth1', garp(ARP_REQUEST)); // another interface: reported
      wire(s.transports, 'eth0', garp(ARP_REQUEST, VIP, '02:00:00:00:00:98')); // another MAC: reported
      expect(s.warnings).toHaveLength(3);
      expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_total', VIP)).toBe(7);
      expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_macs', VIP)).toBe(2);
      jest.advanceTimersByTime(10_000);
      wire(s.transports, 'eth0', garp(ARP_REQUEST));
      expect(s.warnings).toHaveLength(4);
      expect(s.lines.filter((l) => l.event === 'duplicateOwner')).toHaveLength(4);
      // The gauge forgets MACs not seen for a minute.
      jest.advanceTimersByTime(61_000);
      expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_macs', VIP)).toBe(0);
      // Withdrawing the IP drops its gauge; a claim after re-announcing reports at once.
      await s.a.deleteBalancer({ namespace: 'default', name: 'web' });
      expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_macs', VIP)).toBeUndefined();
      await announce(s, 'web', VIP);
      wire(s.transports, 'eth0', garp(ARP_REQUEST));
      expect(s.warnings).toHaveLength(5);
      await s.a.shutdown();
    });

    it('reports a claim only if we still announce the IP after duplicateConfirmMs (an ownership change is no duplicate)', async () => {
      const s = setup({ duplicateConfirmMs: 2000 });
      await s.a.setConfig(cfg([ad()]));
      await announce(s, 'web', VIP);
      await announce(s, 'dns', '192.168.1.241');
      jest.advanceTimersByTime(3000); // past the takeover grace (see the next test)
      // .240 moves to the claimer (we withdraw within the window): counted, not reported.
      wire(s.transports, 'eth0', garp(ARP_REQUEST, VIP));
      wire(s.transports, 'eth0', garp(ARP_REQUEST, '192.168.1.241'));
      wire(s.transports, 'eth0', garp(ARP_REPLY, '192.168.1.241'));
      jest.advanceTimersByTime(1000);
      await s.a.deleteBalancer({ namespace: 'default', name: 'web' });
      expect(s.warnings).toEqual([]);
      jest.advanceTimersByTime(1000);
      // .241 is still ours 2 s later: a second owner, reported once.
      expect(s.warnings).toEqual([expect.objectContaining({ key: 'default/dns', reason: 'duplicateOwner' })]);
      expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_total', VIP)).toBe(1);
      expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_total', '192.168.1.241')).toBe(2);
      jest.advanceTimersByTime(5000);
      expect(s.warnings).toHaveLength(1);
      await s.a.shutdown();
    });

    it('right after a takeover, the old owner answering once is no duplicate; a MAC that keeps claiming is', async () => {
      const s = setup({ duplicateConfirmMs: 2000 });
      await s.a.setConfig(cfg([ad()]));
      await announce(s, 'web', VIP);
      await announce(s, 'dns', '192.168.1.241');
      // Both IPs were just taken over. The old owner of .240 answers once (a late reply in flight): not reported.
      wire(s.transports, 'eth0', garp(ARP_REPLY, VIP));
      // Another MAC claims .241 now and again 1.5 s later: it keeps answering, a second owner.
      wire(s.transports, 'eth0', garp(ARP_REPLY, '192.168.1.241'));
      jest.advanceTimersByTime(1500);
      wire(s.transports, 'eth0', garp(ARP_REPLY, '192.168.1.241'));
      jest.advanceTimersByTime(600);
      expect(s.warnings).toEqual([expect.objectContaining({ key: 'default/dns', reason: 'duplicateOwner' })]);
      // Outside the grace, one claim is enough again (the usual confirmation).
      jest.advanceTimersByTime(3000);
      wire(s.transports, 'eth0', garp(ARP_REPLY, VIP));
      jest.advanceTimersByTime(2100);
      expect(s.warnings.map((w) => w.key)).toEqual(['default/dns', 'default/web']);
      await s.a.shutdown();
    });
  });

  it('IPv6: an unsolicited NA from another MAC for an owned IP is a duplicate; one with our MAC or for another IP is not', async () => {
    const s = setup();
    await s.a.setConfig(cfg([ad()]));
    await s.a.setBalancer({ namespace: 'default', name: 'web6' }, [VIP6], 'default', svc('web6', [VIP6]));
    const ndp = s.transports.ndps.get('eth0')!;
    const na = (target: string, mac: string): Buffer =>
      encodeNdp({ type: 136, router: false, solicited: false, override: true, target, options: [llaOption(OPT_TARGET_LLA, mac)] });
    ndp.deliver(na(VIP6, ETH0_MAC), 'fe80::1%eth0');
    ndp.deliver(na('fd00:1::f1', OTHER_MAC), 'fe80::99%eth0');
    expect(s.warnings).toEqual([]);
    ndp.deliver(na(VIP6, OTHER_MAC), 'fe80::99%eth0');
    expect(s.warnings).toEqual([{ key: 'default/web6', reason: 'duplicateOwner', message: `IP ${VIP6} is also answered by MAC ${OTHER_MAC} on interface eth0` }]);
    expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_total', VIP6)).toBe(1);
    await s.a.shutdown();
  });
});

describe('graceful shutdown handover', () => {
  function askArp(s: ReturnType<typeof setup>, ip = VIP): boolean {
    const arp = s.transports.arps.get('eth0')!;
    arp.sent = [];
    arp.deliver(
      encodeArpFrame({ ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: '02:00:00:00:00:64', op: 1, senderMac: '02:00:00:00:00:64', senderIp: '192.168.1.100', targetMac: '00:00:00:00:00:00', targetIp: ip }),
      1,
    );
    return arp.sent.some((f) => decodeArpFrame(f).op === ARP_REPLY);
  }

  it('leaves the memberlist first, keeps answering until another MAC announces the IP, then stops; no duplicate event for it', async () => {
    const s = setup({ handoverMs: 5000 });
    await s.a.setConfig(cfg([ad()]));
    await announce(s, 'web', VIP);
    let answeredAfterLeave: boolean | undefined;
    s.members.onStop = () => (answeredAfterLeave = askArp(s));
    const started = Date.now();
    let done = false;
    const p = s.a.shutdown().then(() => (done = true));
    // A second shutdown call (the core's, after its abort) waits for the same handover.
    const p2 = s.a.shutdown();
    await new Promise((r) => setTimeout(r, 50));
    expect(s.members.stopped).toBe(true);
    expect(answeredAfterLeave).toBe(true);
    expect(done).toBe(false);
    expect(askArp(s)).toBe(true);
    // Ownership decisions arriving now change nothing.
    await s.a.deleteBalancer({ namespace: 'default', name: 'web' });
    expect(askArp(s)).toBe(true);
    const arp = s.transports.arps.get('eth0')!;
    arp.sent = [];
    wire(s.transports, 'eth0', garp(ARP_REQUEST));
    // Taken over: the new owner's gratuitous request is not answered, and neither are clients from now on.
    expect(arp.sent).toEqual([]);
    expect(askArp(s)).toBe(false);
    await p;
    await p2;
    expect(Date.now() - started).toBeLessThan(4000);
    expect(s.warnings).toEqual([]);
    expect(await metric(s.registry, 'metallbts_layer2_duplicate_owner_total', VIP)).toBeUndefined();
    expect(s.lines.find((l) => l.event === 'handoverDone')).toMatchObject({ claimed: { [VIP]: OTHER_MAC }, unclaimed: [] });
    expect(s.transports.arps.get('eth0')!.closed).toBe(true);
  });

  it('gives up after handoverMs when nobody takes over, and sends no more gratuitous rounds meanwhile', async () => {
    const s = setup({ handoverMs: 300 });
    await s.a.setConfig(cfg([ad()]));
    await announce(s, 'web', VIP);
    const arp = s.transports.arps.get('eth0')!;
    arp.sent = [];
    const started = Date.now();
    await s.a.shutdown();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(arp.sent).toEqual([]);
    expect(s.lines.find((l) => l.event === 'handoverDone')).toMatchObject({ claimed: {}, unclaimed: [VIP] });
  });

  it.each([
    ['membership is unknown (memberlist off: nobody learns that we leave)', undefined],
    ['we are the only member', ['node-a']],
  ])('does not wait when %s', async (_why, list) => {
    const s = setup({ handoverMs: 60_000 });
    s.members.list = list;
    await s.a.setConfig(cfg([ad()]));
    await announce(s, 'web', VIP);
    const started = Date.now();
    await s.a.shutdown();
    expect(Date.now() - started).toBeLessThan(1000);
    expect(askArp(s)).toBe(false);
  });
});
