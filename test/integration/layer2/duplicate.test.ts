// Duplicate owner on a real segment: a second host announcing a VIP we announce is seen on the wire and reported (event, status, log).
import { join } from 'node:path';
import { canRunNetns, collectLines, ensureBuilt, L2Lab, REPO, sleep } from './netns-lab';
import { until } from '../../support/until';

const VIP = '192.168.1.240';
const VIP6 = 'fd00:1::f0';
const enabled = canRunNetns();
const d = enabled || process.env.CI ? describe : describe.skip;

d('layer2 duplicate owner detection in namespaces', () => {
  jest.setTimeout(90_000);
  const lab = new L2Lab(2, 'dup');
  const bin = join(REPO, 'bin', 'metallbts.js');

  beforeAll(() => {
    ensureBuilt();
    lab.up();
  }, 320_000);

  afterAll(() => lab.down());

  it('an announcing node sees another host claim its VIP: duplicateOwner Warning event and log, while its ServiceL2Status names eth0', async () => {
    const [n1, n2] = [lab.nodes[0]!, lab.nodes[1]!];
    const script = join(REPO, 'dist', 'test', 'integration', 'layer2', 'announcer-node.js');
    const spec = {
      nodeName: 'node-a',
      nodes: [{ name: 'node-a', addr: n1.ip4 }],
      endpointNode: 'node-a',
      vip: VIP,
      secret: 'AbCdEfGhIjKlMnOpQrStUv',
      profile: 'fast',
      options: { gratuitous: { intervalMs: 200, durationMs: 500 } },
    };
    const a = lab.spawn(n1.ns, process.execPath, [script, JSON.stringify(spec)]);
    const aLines = collectLines(a);
    try {
      const announced = await until(() => aLines.some((l) => l.event === 'serviceStatus' && l.op === 'set'), 30_000);
      if (!announced) throw new Error(`node-a never announced: ${JSON.stringify(aLines.slice(-10))}`);
      expect(aLines.find((l) => l.event === 'serviceStatus')).toMatchObject({ service: 'default/nginx', status: { interfaces: [{ name: 'eth0' }] } });
      // Let node-a's own gratuitous rounds finish: what follows comes from the second host only.
      await sleep(700);
      expect(aLines.filter((l) => l.event === 'k8sEvent')).toEqual([]);

      // A second host answers the same VIP (`l2 announce` sends gratuitous ARP at start).
      const b = lab.spawn(n2.ns, process.execPath, [bin, 'l2', 'announce', '--interface', 'eth0', '--ip', VIP]);
      const bLines = collectLines(b);
      const seen = await until(() => aLines.some((l) => l.event === 'k8sEvent' && l.reason === 'duplicateOwner'), 15_000);
      if (!seen) throw new Error(`no duplicateOwner event: ${JSON.stringify(aLines.slice(-10))}`);
      const events = aLines.filter((l) => l.event === 'k8sEvent');
      // Rate-limited: b's five gratuitous rounds (10 frames) make one event.
      await sleep(5000);
      expect(aLines.filter((l) => l.event === 'k8sEvent')).toEqual(events);
      expect(events).toEqual([
        expect.objectContaining({ type: 'Warning', service: 'default/nginx', reason: 'duplicateOwner', message: `IP ${VIP} is also answered by MAC ${n2.mac} on interface eth0` }),
      ]);
      expect(aLines.find((l) => l.event === 'duplicateOwner')).toMatchObject({ level: 'warn', ip: VIP, mac: n2.mac, interface: 'eth0', kind: 'gratuitous-arp' });
      // The second host learns about node-a too: node-a answered b's gratuitous ARP request (as MetalLB does).
      expect(bLines.find((l) => l.event === 'duplicateOwner')).toMatchObject({ ip: VIP, mac: n1.mac, interface: 'eth0', kind: 'arp-reply' });
      b.kill('SIGTERM');
    } finally {
      a.kill('SIGKILL');
    }
  });

  it('IPv6: an unsolicited NA from another host for an announced IP is reported', async () => {
    const [n1, n2] = [lab.nodes[0]!, lab.nodes[1]!];
    // Link-local addresses must be usable (DAD done) before NDP responders open.
    await until(() => !/tentative/.test(lab.exec(n1.ns, 'ip', ['-6', 'addr', 'show', 'dev', 'eth0']).stdout + lab.exec(n2.ns, 'ip', ['-6', 'addr', 'show', 'dev', 'eth0']).stdout), 10_000);
    const a = lab.spawn(n1.ns, process.execPath, [bin, 'l2', 'announce', '--interface', 'eth0', '--ip', VIP6]);
    const aLines = collectLines(a);
    let b;
    try {
      const ready = await until(() => aLines.some((l) => l.event === 'createNDPResponder'), 10_000);
      if (!ready) throw new Error(`no NDP responder: ${JSON.stringify(aLines.slice(-10))}`);
      await sleep(5500); // a's own unsolicited NAs are over
      b = lab.spawn(n2.ns, process.execPath, [bin, 'l2', 'announce', '--interface', 'eth0', '--ip', VIP6]);
      const seen = await until(() => aLines.some((l) => l.event === 'duplicateOwner'), 15_000);
      if (!seen) throw new Error(`no duplicateOwner line: ${JSON.stringify(aLines.slice(-10))}`);
      expect(aLines.find((l) => l.event === 'duplicateOwner')).toMatchObject({
        ip: VIP6,
        mac: n2.mac,
        interface: 'eth0',
        kind: 'neighbor-advertisement',
        msg: `IP ${VIP6} is also answered by MAC ${n2.mac} on interface eth0`,
      });
    } finally {
      a.kill('SIGKILL');
      b?.kill('SIGKILL');
    }
  });
});
