// The layer2 Announcer over fake cluster, membership and transports: election decisions drive ARP/NDP answers.
import { Registry } from 'prom-client';
import type { ClusterView, EndpointView, L2Advertisement, PluginConfigView, PluginContext } from '../../../src/core/plugin-api';
import { silentLogger } from '../../../src/core/log';
import { Layer2Announcer } from '../../../plugins/layer2/announcer';
import { layer2Plugin } from '../../../plugins/layer2';
import type { MemberSource } from '../../../plugins/layer2/membership';
import { parseLayer2Options } from '../../../plugins/layer2/options';
import { Layer2Responders } from '../../../plugins/layer2/responders';
import { decodeArpFrame, encodeArpFrame } from '../../../plugins/layer2/codec';
import { FakeInterfaces, FakeTransports, iface } from './fakes';
import { l2Advertisement as ad, l2Node as node, l2Service as svc } from './fakes';

/** What the layer2 plugin's `setConfig` gets for these advertisements (no pools). */
const l2View = (...l2Advertisements: L2Advertisement[]): PluginConfigView => ({ protocol: 'layer2', pools: [], peers: [], bgpAdvertisements: [], l2Advertisements, pluginAdvertisements: [], communityAliases: {} });

class FakeMembers implements MemberSource {
  list: string[] | undefined = undefined;
  ready?: Promise<void>;
  private cbs: Array<() => void> = [];
  stopped = false;
  members(): string[] | undefined {
    return this.list;
  }
  onChange(cb: () => void): void {
    this.cbs.push(cb);
  }
  fire(): void {
    for (const cb of this.cbs) cb();
  }
  status() {
    return { healthy: true };
  }
  async stop(): Promise<void> {
    this.stopped = true;
  }
}

function setup(nodeName = 'node-a', options: Record<string, unknown> = {}) {
  const nodes = [node('node-a'), node('node-b'), node('node-c')];
  const endpoints: EndpointView[] = [{ addresses: ['10.0.0.1'], nodeName: 'node-b', ready: true, serving: true, terminating: false }];
  const cluster: ClusterView = {
    node: (n) => nodes.find((x) => x.name === n),
    nodes: () => nodes,
    endpoints: () => endpoints,
    onChange: () => () => undefined,
  };
  const resyncs: string[] = [];
  const abort = new AbortController();
  const ctx: PluginContext = {
    nodeName,
    logger: silentLogger(),
    metrics: new Registry(),
    cluster,
    events: { normal: () => undefined, warning: () => undefined },
    signal: abort.signal,
    requestResync: (r) => resyncs.push(r),
    options,
    secret: () => undefined,
    serviceStatus: { set: () => undefined, delete: () => undefined },
  };
  const transports = new FakeTransports();
  const responders = new Layer2Responders({
    logger: ctx.logger,
    source: new FakeInterfaces([iface('eth0', 2, '02:00:00:00:00:0a'), iface('eth1', 3, '02:00:00:00:01:0a')]),
    transports,
  });
  const members = new FakeMembers();
  const a = new Layer2Announcer(ctx, { responders, members });
  return { a, ctx, transports, members, resyncs, abort, endpoints };
}

function ask(t: FakeTransports, ifname: string, ip: string): boolean {
  const arp = t.arps.get(ifname)!;
  arp.sent = [];
  arp.deliver(
    encodeArpFrame({ ethDst: 'ff:ff:ff:ff:ff:ff', ethSrc: '02:00:00:00:00:64', op: 1, senderMac: '02:00:00:00:00:64', senderIp: '192.168.1.100', targetMac: '00:00:00:00:00:00', targetIp: ip }),
    1,
  );
  return arp.sent.some((f) => decodeArpFrame(f).op === 2);
}

describe('Layer2Announcer', () => {
  it('announces only on the elected node (sha256 order: node-a first for .240)', async () => {
    const a = setup('node-a');
    const b = setup('node-b');
    await a.a.setConfig(l2View(ad()));
    await b.a.setConfig(l2View(ad()));
    expect(a.a.shouldAnnounce(svc('web', ['192.168.1.240']), 'default').announce).toBe(true);
    expect(b.a.shouldAnnounce(svc('web', ['192.168.1.240']), 'default')).toEqual({ announce: false, reason: 'notOwner: node-a announces' });
    // With memberlist saying node-a is gone, node-c (next in order) takes over.
    b.members.list = ['node-b', 'node-c'];
    expect(b.a.shouldAnnounce(svc('web', ['192.168.1.240']), 'default').reason).toBe('notOwner: node-c announces');
    await a.a.shutdown();
    await b.a.shutdown();
  });

  it('does not announce without an L2Advertisement or without serving endpoints', async () => {
    const s = setup('node-a');
    expect(s.a.shouldAnnounce(svc('web', ['192.168.1.240']), 'default').announce).toBe(false);
    await s.a.setConfig(l2View(ad()));
    s.endpoints.length = 0;
    expect(s.a.shouldAnnounce(svc('web', ['192.168.1.240']), 'default')).toEqual({ announce: false, reason: 'notOwner: no serving endpoint' });
    await s.a.shutdown();
  });

  it('setBalancer makes the responders answer, deleteBalancer stops them; shared IPs stay until the last user goes', async () => {
    const s = setup();
    await s.a.setConfig(l2View(ad()));
    await s.a.setBalancer({ namespace: 'default', name: 'web' }, ['192.168.1.240'], 'default', svc('web', ['192.168.1.240']));
    await s.a.setBalancer({ namespace: 'default', name: 'dns' }, ['192.168.1.240'], 'default', svc('dns', ['192.168.1.240']));
    expect(ask(s.transports, 'eth0', '192.168.1.240')).toBe(true);
    expect(ask(s.transports, 'eth1', '192.168.1.240')).toBe(true);
    await s.a.deleteBalancer({ namespace: 'default', name: 'web' });
    expect(ask(s.transports, 'eth0', '192.168.1.240')).toBe(true);
    await s.a.deleteBalancer({ namespace: 'default', name: 'dns' });
    expect(ask(s.transports, 'eth0', '192.168.1.240')).toBe(false);
    await s.a.shutdown();
  });

  it('an IP change withdraws the old IP', async () => {
    const s = setup();
    await s.a.setConfig(l2View(ad()));
    await s.a.setBalancer({ namespace: 'default', name: 'web' }, ['192.168.1.240'], 'default', svc('web', ['192.168.1.240']));
    await s.a.setBalancer({ namespace: 'default', name: 'web' }, ['192.168.1.241'], 'default', svc('web', ['192.168.1.241']));
    expect(ask(s.transports, 'eth0', '192.168.1.240')).toBe(false);
    expect(ask(s.transports, 'eth0', '192.168.1.241')).toBe(true);
    await s.a.shutdown();
  });

  it('honours L2Advertisement interfaces', async () => {
    const s = setup();
    await s.a.setConfig(l2View(ad({ interfaces: ['eth1'] })));
    await s.a.setBalancer({ namespace: 'default', name: 'web' }, ['192.168.1.240'], 'default', svc('web', ['192.168.1.240']));
    expect(ask(s.transports, 'eth0', '192.168.1.240')).toBe(false);
    expect(ask(s.transports, 'eth1', '192.168.1.240')).toBe(true);
    await s.a.shutdown();
  });

  it('asks the core to resync when membership changes; reports status; stops on shutdown and on abort', async () => {
    const s = setup();
    s.members.fire();
    expect(s.resyncs).toEqual(['memberlist membership changed']);
    expect(s.a.status()).toMatchObject({ healthy: true, details: { interfaces: ['eth0', 'eth1'], members: 'all nodes' } });
    s.abort.abort();
    await new Promise((r) => setImmediate(r));
    expect(s.members.stopped).toBe(true);
    expect(s.transports.arps.get('eth0')!.closed).toBe(true);
  });
});

describe('Layer2Announcer health', () => {
  it('is unhealthy when an ARP socket cannot be opened (e.g. addon not built), naming the interface', async () => {
    const s0 = setup();
    await s0.a.shutdown();
    const ctx = s0.ctx;
    const transports = new FakeTransports();
    transports.arp = () => {
      throw new Error('AF_PACKET addon not built');
    };
    const responders = new Layer2Responders({ logger: ctx.logger, source: new FakeInterfaces([iface('eth0', 2, '02:00:00:00:00:0a')]), transports });
    const a = new Layer2Announcer(ctx, { responders, members: new FakeMembers() });
    expect(a.status()).toMatchObject({ healthy: false, message: 'eth0: ARP: AF_PACKET addon not built' });
    await a.shutdown();
  });
});

describe('Layer2Announcer start-up', () => {
  it('setConfig waits for membership to be ready before the first decisions', async () => {
    const s = setup();
    let release!: () => void;
    s.members.ready = new Promise<void>((r) => (release = r));
    let done = false;
    const p = s.a.setConfig(l2View(ad())).then(() => (done = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    release();
    await p;
    expect(done).toBe(true);
    await s.a.shutdown();
  });
});

describe('layer2 plugin options', () => {
  it('has MetalLB defaults', () => {
    expect(parseLayer2Options({})).toEqual({
      memberlist: { enabled: true, bindAddr: undefined, bindPort: 7946, join: undefined, profile: 'lan', label: '', keyDerivation: 'metallb-v0.16.2', insecureClear: false, rejoinMs: 60000 },
      interfaces: [],
      // Not MetalLB's: only nodes on the VIP's subnet announce it (issue 15); false restores MetalLB's rule.
      subnetAware: true,
      ipv6: true,
      rescanMs: 10000,
      gratuitous: { intervalMs: 1100, durationMs: 5000 },
      requestLogLevel: 'debug',
      handoverMs: 5000,
      duplicateReportIntervalMs: 60000,
      duplicateConfirmMs: 2000,
    });
    expect(parseLayer2Options({ memberlist: false }).memberlist.enabled).toBe(false);
    expect(parseLayer2Options({ memberlist: { keyDerivation: 'metallb-legacy' } }).memberlist.keyDerivation).toBe('metallb-legacy');
  });
  it.each([
    [{ memberlist: { bindPort: 'x' } }, /memberlist.bindPort/],
    [{ memberlist: { profile: 'wan' } }, /profile/],
    [{ memberlist: { keyDerivation: 'sha256' } }, /memberlist.keyDerivation must be one of metallb-v0.16.2, metallb-legacy/],
    [{ interfaces: 'eth0' }, /interfaces/],
    [{ ipv6: 'yes' }, /ipv6/],
    [{ subnetAware: 'no' }, /subnetAware/],
    [{ requestLogLevel: 'trace' }, /requestLogLevel/],
    [{ handoverMs: -1 }, /handoverMs/],
    [{ duplicateReportIntervalMs: 'often' }, /duplicateReportIntervalMs/],
  ])('rejects %j', (o, re) => {
    expect(() => parseLayer2Options(o)).toThrow(re);
  });
  it('the plugin descriptor is layer2 (alias arp), API v1', () => {
    expect(layer2Plugin).toMatchObject({ protocol: 'layer2', aliases: ['arp'], apiVersion: 1 });
  });
});
