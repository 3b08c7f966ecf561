// Interop with real hashicorp/memberlist (Go v0.5.1, v0.2.4 and v0.6.0): two metallbts nodes and one Go node
// form one encrypted cluster on loopback, detect each other's death and see graceful leaves.
import { Memberlist } from '../../../src/memberlist';
import { GoNode, goSees, names, startGo, waitFor } from './go-node';
import { netTransportLosing } from './packet-loss';

jest.setTimeout(180_000);

const SECRET = 'AbCdEfGhIjKlMnOpQrStUv';

describe.each(['v0.5.1', 'v0.2.4', 'v0.6.0'])('Go memberlist %s', (version) => {
  const ours: Memberlist[] = [];
  let go: GoNode | undefined;

  afterEach(async () => {
    go?.proc.kill('SIGKILL');
    go = undefined;
    await Promise.all(ours.splice(0).map((m) => m.shutdown()));
  });

  test('one encrypted cluster; a crash is detected on both sides (Go with LAN defaults on v0.5.1)', async () => {
    const a = await Memberlist.create({ name: 'ts-a', bindAddr: '127.0.0.1', bindPort: 0, secret: SECRET, profile: 'fast' });
    const b = await Memberlist.create({ name: 'ts-b', bindAddr: '127.0.0.3', bindPort: 0, secret: SECRET, profile: 'fast' });
    ours.push(a, b);
    await b.join([`127.0.0.1:${a.port}`]);
    go = await startGo(version, 'go-c', `127.0.0.1:${a.port}`, SECRET, version === 'v0.5.1' ? 'lan' : 'fast');
    const g = go;
    await waitFor('all three see each other', () => names(a) === 'go-c,ts-a,ts-b' && names(b) === 'go-c,ts-a,ts-b' && goSees(g, 'join', 'ts-a') && goSees(g, 'join', 'ts-b'), 15_000);
    const goNode = a.members().find((n) => n.name === 'go-c')!;
    expect(goNode.addr).toBe('127.0.0.2');
    expect(goNode.vsn.slice(0, 3)).toEqual([1, 5, 2]);

    // Our node crashes (no leave): Go detects it as dead.
    await b.shutdown();
    await waitFor('Go sees ts-b dead', () => goSees(g, 'dead', 'ts-b'), 20_000);

    // The Go node is killed: ours detects it.
    const deadAt = Date.now();
    g.proc.kill('SIGKILL');
    const t = await waitFor('ts-a sees go-c dead', () => !names(a).includes('go-c'), 10_000);
    expect(a.allNodes().find((n) => n.name === 'go-c')?.state).toBe('dead');
    expect(Date.now() - deadAt).toBeLessThan(5_000);
    void t;
    // No decode errors on the Go side.
    const errs = g.stderr.filter((l) => /\[(ERR|WARN)\]/.test(l));
    if (errs.length > 0) console.log(errs.join('\n'));
    expect(errs.filter((l) => /decode|decrypt|checksum|invalid|Unknown message/i.test(l))).toEqual([]);
  });

  test('graceful leave is seen as left on both sides', async () => {
    const a = await Memberlist.create({ name: 'ts-a', bindAddr: '127.0.0.1', bindPort: 0, secret: SECRET, profile: 'fast' });
    ours.push(a);
    go = await startGo(version, 'go-c', `127.0.0.1:${a.port}`, SECRET);
    const g = go;
    await waitFor('cluster of two', () => names(a) === 'go-c,ts-a' && goSees(g, 'join', 'ts-a'), 15_000);
    const left: string[] = [];
    a.on('left', (n) => left.push(n.name));
    g.proc.kill('SIGTERM'); // the Go node calls Leave(1s)
    await waitFor('ts-a sees go-c left', () => left.includes('go-c'), 10_000);

    const b = await Memberlist.create({ name: 'ts-b', bindAddr: '127.0.0.3', bindPort: 0, secret: SECRET, profile: 'fast' });
    ours.push(b);
    go = await startGo(version, 'go-d', `127.0.0.3:${b.port}`, SECRET);
    const g2 = go;
    await waitFor('go-d joined', () => names(b) === 'go-d,ts-b' && goSees(g2, 'join', 'ts-b'), 15_000);
    await b.leave(1000);
    await waitFor('Go sees ts-b left', () => goSees(g2, 'left', 'ts-b'), 10_000);
  });

  test('the Go node alone (LAN defaults) detects our crash through its own probes', async () => {
    const a = await Memberlist.create({ name: 'ts-a', bindAddr: '127.0.0.1', bindPort: 0, secret: SECRET, profile: 'fast' });
    ours.push(a);
    go = await startGo(version, 'go-c', `127.0.0.1:${a.port}`, SECRET, 'lan');
    const g = go;
    await waitFor('cluster of two', () => names(a) === 'go-c,ts-a' && goSees(g, 'join', 'ts-a'), 15_000);
    await a.shutdown();
    await waitFor('Go sees ts-a dead', () => goSees(g, 'dead', 'ts-a'), 20_000);
  });

  test('TCP ping fallback works both ways when our UDP is lost', async () => {
    const warnings: string[] = [];
    const logger = { debug() {}, info() {}, error() {}, warn: (_o: object, msg?: string) => void warnings.push(msg ?? '') };
    // LAN timings on both sides: the TCP ping must finish within one probe interval, even under load.
    let udpLost = false;
    const transport = netTransportLosing(() => udpLost);
    const a = await Memberlist.create({ name: 'ts-a', bindAddr: '127.0.0.1', bindPort: 0, secret: SECRET, profile: 'lan', logger, transport });
    ours.push(a);
    go = await startGo(version, 'go-c', `127.0.0.1:${a.port}`, SECRET, 'lan');
    const g = go;
    await waitFor('cluster of two', () => names(a) === 'go-c,ts-a' && goSees(g, 'join', 'ts-a'), 15_000);
    const suspected: string[] = [];
    a.on('suspect', (n) => suspected.push(n.name));
    // Every UDP packet we send is lost: Go's probes of us and ours of Go can only succeed over TCP.
    udpLost = true;
    await waitFor('TCP fallback on both sides', () => g.stderr.some((l) => /Was able to connect to ts-a (over TCP )?but (UDP|other) probes failed/.test(l)) && warnings.some((w) => /over TCP/.test(w)), 10_000);
    expect(suspected).toEqual([]);
    expect(goSees(g, 'dead', 'ts-a')).toBe(false);
    expect(names(a)).toBe('go-c,ts-a');
  });

  test('indirect probes through the Go node rescue a broken direct path', async () => {
    // LAN timings (500 ms probe timeout) so that only a broken relay, not machine load, fails a probe.
    // UDP sent to these ports is lost: the two metallbts nodes' own, once the cluster formed.
    const cut = new Set<number>();
    const transport = netTransportLosing((_host, port) => cut.has(port));
    const a = await Memberlist.create({ name: 'ts-a', bindAddr: '127.0.0.1', bindPort: 0, secret: SECRET, profile: 'lan', tcpPings: false, transport });
    const b = await Memberlist.create({ name: 'ts-b', bindAddr: '127.0.0.3', bindPort: 0, secret: SECRET, profile: 'lan', tcpPings: false, transport });
    ours.push(a, b);
    await b.join([`127.0.0.1:${a.port}`]);
    // Go relays an ack only within its own ProbeTimeout: LAN (500 ms) there too.
    go = await startGo(version, 'go-c', `127.0.0.1:${a.port}`, SECRET, 'lan');
    const g = go;
    await waitFor('cluster of three', () => names(a) === 'go-c,ts-a,ts-b' && names(b) === 'go-c,ts-a,ts-b' && goSees(g, 'join', 'ts-b'), 15_000);
    const suspected: string[] = [];
    a.on('suspect', (n) => suspected.push(`a:${n.name}`));
    b.on('suspect', (n) => suspected.push(`b:${n.name}`));
    // Cut UDP between the two metallbts nodes, both ways; only go-c can relay probes.
    cut.add(a.port).add(b.port);
    await new Promise((r) => setTimeout(r, 5000));
    expect(suspected).toEqual([]);
    expect(names(a)).toBe('go-c,ts-a,ts-b');
    expect(names(b)).toBe('go-c,ts-a,ts-b');
  });

  test('a Go node with the wrong key never joins', async () => {
    const a = await Memberlist.create({ name: 'ts-a', bindAddr: '127.0.0.1', bindPort: 0, secret: SECRET, profile: 'fast' });
    ours.push(a);
    go = await startGo(version, 'go-evil', `127.0.0.1:${a.port}`, 'WrongWrongWrongWrongWr');
    const g = go;
    await new Promise((r) => setTimeout(r, 2500));
    expect(names(a)).toBe('ts-a');
    expect(goSees(g, 'join', 'ts-a')).toBe(false);
    expect(a.metrics.droppedCounts().decrypt ?? 0).toBeGreaterThan(0);
  });
});

describe('Go memberlist v0.5.1 with labels', () => {
  const ours: Memberlist[] = [];
  const gos: GoNode[] = [];
  afterEach(async () => {
    gos.splice(0).forEach((g) => g.proc.kill('SIGKILL'));
    await Promise.all(ours.splice(0).map((m) => m.shutdown()));
  });

  test('same label joins; a different label is dropped on both sides', async () => {
    const a = await Memberlist.create({ name: 'ts-a', bindAddr: '127.0.0.1', bindPort: 0, secret: SECRET, label: 'prod', profile: 'fast' });
    ours.push(a);
    const good = await startGo('v0.5.1', 'go-prod', `127.0.0.1:${a.port}`, SECRET, 'fast', 'prod');
    gos.push(good);
    await waitFor('labelled cluster', () => names(a) === 'go-prod,ts-a' && goSees(good, 'join', 'ts-a'), 15_000);
    // And we open a labelled stream to the Go node (join through it).
    const b = await Memberlist.create({ name: 'ts-b', bindAddr: '127.0.0.3', bindPort: 0, secret: SECRET, label: 'prod', profile: 'fast' });
    ours.push(b);
    await b.join([`127.0.0.2:${good.port}`]);
    await waitFor('ts-b in the labelled cluster', () => names(b) === 'go-prod,ts-a,ts-b' && goSees(good, 'join', 'ts-b'), 15_000);
    const bad = await startGo('v0.5.1', 'go-test', `127.0.0.1:${a.port}`, SECRET, 'fast', 'test');
    gos.push(bad);
    await new Promise((r) => setTimeout(r, 2500));
    expect(names(a)).toBe('go-prod,ts-a,ts-b');
    expect(a.metrics.droppedCounts().label ?? 0).toBeGreaterThan(0);
    expect(goSees(bad, 'join', 'ts-a')).toBe(false);
  });
});
