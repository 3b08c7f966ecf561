// The speaker-level interop matrix, run once per router: three speakers from Kubernetes objects against FRR, GoBGP or BIRD.
import { useControlPlane } from '../../harness/jest-control-plane';
import type { RunningController } from '../../../src/core/controller/run-controller';
import { loadSockopt } from '../../../plugins/bgp/native';
import { eventually, installMetallbSystem, NAMESPACE } from '../../support/metallb-system';
import { startTestController } from '../../support/test-controller';
import { BgpLab, labAvailable } from './lab';
import { startSpeakerIn, type NamespacedSpeaker } from './speaker-in-namespace';
import { endpointSlice, md5Secret, MD5_KEY, metallbObjects, NODES, routerNeighbors, service, SERVICES, V4, V6 } from './speaker-interop-objects';
import type { LabRouter, RibPath } from './routers/router';

const WAIT_MS = 60_000;
const sorted = (xs: string[]) => [...xs].sort();

/** Registers the matrix for `router`; skipped only outside CI when root, the router or the native helper is missing. */
export function describeSpeakerInterop(router: LabRouter): void {
  const enabled = labAvailable(router.name.toLowerCase() as 'frr' | 'gobgp' | 'bird') && router.available() && loadSockopt()?.udpOpen !== undefined;
  // In CI (root, packages installed) these must run: a missing prerequisite fails instead of skipping.
  const d = enabled || process.env.CI ? describe : describe.skip;

  d(`speaker interop with ${router.name}`, () => {
    jest.setTimeout(120_000);
    const cp = useControlPlane({ serviceClusterIpRange: '10.96.0.0/16,fd00:10:96::/112' });
    const lab = new BgpLab(router.name.toLowerCase(), 'bgpio');
    const speakers: NamespacedSpeaker[] = [];
    let controller: RunningController | undefined;

    /** Paths for `prefix`, waited for until their neighbour set is `peers` (bounded); the router's view on timeout. */
    const pathsFrom = async (family: 4 | 6, prefix: string, peers: string[]): Promise<RibPath[]> => {
      let seen: RibPath[] = [];
      try {
        return await eventually(
          `${router.name}: ${prefix} from [${peers.join(', ')}]`,
          async () => {
            seen = router.rib(family).filter((p) => p.prefix === prefix);
            return JSON.stringify(sorted(seen.map((p) => p.peer))) === JSON.stringify(sorted(peers)) ? seen : undefined;
          },
          WAIT_MS,
          500,
        );
      } catch (err) {
        const logs = speakers.map((s, i) => `${NODES[i]}: ${s.logs.filter((l) => !l.includes('FSM state')).slice(-8).join('\n')}`).join('\n');
        throw new Error(`${(err as Error).message}\nlast seen: ${JSON.stringify(seen)}\n${router.describe()}\n${logs}`);
      }
    };
    const ips = (name: string, count: number): Promise<string[]> =>
      eventually(`Service ${name} IPs`, async () => {
        const s = await cp.kubectlJson<{ status?: { loadBalancer?: { ingress?: Array<{ ip: string }> } } }>(['get', 'svc', name]);
        const got = (s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip);
        return got.length === count ? got : undefined;
      }, WAIT_MS);
    const v4Of = (list: string[]) => list.find((ip) => !ip.includes(':'))!;
    const v6Of = (list: string[]) => list.find((ip) => ip.includes(':'))!;

    beforeAll(async () => {
      try {
        const kubeconfigs = await installMetallbSystem(cp, { speakerSecrets: ['bgp-auth'] });
        await cp.kubectlOk(['apply', '-f', '-'], { input: metallbObjects(router.bfd) });
        await cp.kubectlOk(['apply', '-f', '-'], { input: SERVICES });
        controller = await startTestController(kubeconfigs.controller);
        lab.up(3);
        await router.start(lab, routerNeighbors(router.bfd));
        for (let i = 0; i < NODES.length; i++) speakers.push(await startSpeakerIn(lab, i, cp, kubeconfigs.speaker, NODES[i]!));
      } catch (err) {
        for (const s of speakers) await s.stop();
        lab.down();
        throw err;
      }
    }, 180_000);

    afterAll(async () => {
      try {
        for (const s of speakers) await s.stop();
        await controller?.stop();
      } finally {
        lab.down();
      }
    }, 60_000);

    test('sessions: node-a/node-b over IPv4 and IPv6, node-c over iBGP keyed with the Secret; no peer selects node-c for IPv6', async () => {
      for (const a of [V4[0], V4[1], V6[0], V6[1], V4[2]]) {
        await eventually(`${router.name}: ${a} Established`, async () => (router.established(a) ? true : undefined), WAIT_MS, 500).catch((e: Error) => {
          throw new Error(`${e.message}\n${router.describe()}`);
        });
      }
      // The router would take node-c's IPv6 session (a configured neighbour); only the peer's node selector keeps it away.
      expect(router.established(V6[2])).toBe(false);
    });

    test('the router sends its own routes (all community kinds) and the other speakers\' to every speaker', async () => {
      for (const a of [V4[0], V6[0], V4[2]]) {
        await eventually(`${router.name}: routes sent to ${a}`, async () => (router.sentPrefixes(a) >= 1 ? true : undefined), WAIT_MS, 500);
      }
    });

    test('IPv4: the Service prefix from each selected node, next hop = the node, AS_PATH [64501], no communities', async () => {
      const ip = v4Of(await ips('web', 2));
      const paths = await pathsFrom(4, `${ip}/32`, [V4[0], V4[1]]);
      for (const p of paths) expect(p).toMatchObject({ nextHop: p.peer, asPath: [64501], communities: [], largeCommunities: [] });
    });

    test('IPv6: a single-stack IPv6 Service over the IPv6 sessions, global next hop of each node', async () => {
      const [ip] = await ips('web6', 1);
      const paths = await pathsFrom(6, `${ip}/128`, [V6[0], V6[1]]);
      for (const p of paths) expect(p).toMatchObject({ nextHop: p.peer, asPath: [64501] });
    });

    test('dual-stack: one Service, each family on its own session (two sessions per node)', async () => {
      const list = await ips('web', 2);
      const v4 = await pathsFrom(4, `${v4Of(list)}/32`, [V4[0], V4[1]]);
      const v6 = await pathsFrom(6, `${v6Of(list)}/128`, [V6[0], V6[1]]);
      expect(v4.map((p) => p.nextHop).sort()).toEqual([V4[0], V4[1]]);
      expect(v6.map((p) => p.nextHop).sort()).toEqual([V6[0], V6[1]]);
    });

    test('communities, large communities, aggregation length; the advertisement node selector leaves node-b out', async () => {
      const list = await ips('tagged', 2);
      const v4 = await pathsFrom(4, '198.51.100.32/28', [V4[0]]);
      const v6 = await pathsFrom(6, '2001:db8:120::/124', [V6[0]]);
      expect(list.map((ip) => ip.split(/[.:]/)[0])).toEqual(expect.arrayContaining(['198', '2001']));
      for (const p of [...v4, ...v6]) expect(p).toMatchObject({ asPath: [64501], communities: ['64501:100'], largeCommunities: ['64501:1:2'] });
      // node-b has both sessions up and still does not announce it (and no /32 or /128 leaks).
      expect(router.rib(4).filter((p) => list.includes(p.prefix.split('/')[0]!) && p.prefix.endsWith('/32'))).toEqual([]);
    });

    test('iBGP from node-c: LOCAL_PREF 250, community 64500:7, empty AS_PATH; advertisement peers keep other pools off the iBGP session', async () => {
      const [ip] = await ips('internal', 1);
      const [p] = await pathsFrom(4, `${ip}/32`, [V4[2]]);
      expect(p).toMatchObject({ nextHop: V4[2], asPath: [], localPref: 250, communities: ['64500:7'] });
      const web = v4Of(await ips('web', 2));
      expect(router.rib(4).filter((x) => x.prefix === `${web}/32` && x.peer === V4[2])).toEqual([]);
    });

    test('BGPPeer routerID and holdTime as the router sees them on node-c\'s session', async () => {
      await eventually(`${router.name}: ${V4[2]} Established`, async () => (router.established(V4[2]) ? true : undefined), WAIT_MS, 500);
      expect(router.neighbor(V4[2])).toEqual({ routerId: '10.255.0.3', holdTime: 27 });
      // The others default to the session's own IPv4 address, also over IPv6, and MetalLB's 90 s.
      expect(router.neighbor(V6[0])).toEqual({ routerId: V4[0], holdTime: 90 });
    });

    test('MD5 from the Secret: a wrong key in it and the router refuses node-c; the right key brings the session back', async () => {
      const [ip] = await ips('internal', 1);
      await pathsFrom(4, `${ip}/32`, [V4[2]]);
      const failures = () => speakers[2]!.logs.filter((l) => l.includes('"connectFailed"')).length;
      const before = failures();
      await cp.kubectlOk(['apply', '-f', '-'], { input: md5Secret('wrong-key') });
      await pathsFrom(4, `${ip}/32`, []);
      // The speaker tried with the new key and failed: the router did not take an unkeyed or wrongly keyed session.
      await eventually('node-c connection attempt failed', async () => (failures() > before ? true : undefined), WAIT_MS, 500);
      expect(router.established(V4[2])).toBe(false);
      await cp.kubectlOk(['apply', '-f', '-'], { input: md5Secret(MD5_KEY) });
      await pathsFrom(4, `${ip}/32`, [V4[2]]);
      expect(router.established(V4[2])).toBe(true);
    });

    test('peer node selector: labelling node-c brings up its IPv6 session and announcement; unlabelling withdraws them', async () => {
      const [ip] = await ips('web6', 1);
      await pathsFrom(6, `${ip}/128`, [V6[0], V6[1]]);
      await cp.kubectlOk(['label', 'node', 'node-c', 'v6=yes']);
      const paths = await pathsFrom(6, `${ip}/128`, [V6[0], V6[1], V6[2]]);
      expect(paths.find((p) => p.peer === V6[2])?.nextHop).toBe(V6[2]);
      await cp.kubectlOk(['label', 'node', 'node-c', 'v6-']);
      await pathsFrom(6, `${ip}/128`, [V6[0], V6[1]]);
      await eventually(`${router.name}: ${V6[2]} down`, async () => (router.established(V6[2]) ? undefined : true), WAIT_MS, 500);
    });

    test('externalTrafficPolicy Local: only the node with a ready local endpoint announces; moving the endpoint moves the route', async () => {
      const [ip] = await ips('local', 1);
      const [p] = await pathsFrom(4, `${ip}/32`, [V4[1]]);
      expect(p?.nextHop).toBe(V4[1]);
      await cp.kubectlOk(['apply', '-f', '-'], { input: endpointSlice('local', 'IPv4', 'node-a') });
      const [q] = await pathsFrom(4, `${ip}/32`, [V4[0]]);
      expect(q?.nextHop).toBe(V4[0]);
    });

    test('advertisement changes: new communities and LOCAL_PREF replace the attributes of announced paths', async () => {
      const [internal] = await ips('internal', 1);
      await pathsFrom(4, '198.51.100.32/28', [V4[0]]);
      await cp.kubectlOk(['-n', NAMESPACE, 'patch', 'bgpadvertisement', 'tagged', '--type=merge', '-p', '{"spec":{"communities":["64501:200","large:64501:3:4"]}}']);
      await cp.kubectlOk(['-n', NAMESPACE, 'patch', 'bgpadvertisement', 'internal', '--type=merge', '-p', '{"spec":{"localPref":300}}']);
      const changed = (family: 4 | 6, prefix: string, peer: string, want: Partial<RibPath>) =>
        eventually(`${router.name}: ${prefix} from ${peer} with ${JSON.stringify(want)}`, async () => {
          const p = router.rib(family).find((x) => x.prefix === prefix && x.peer === peer);
          return p && Object.entries(want).every(([k, v]) => JSON.stringify(p[k as keyof RibPath]) === JSON.stringify(v)) ? p : undefined;
        }, WAIT_MS, 500);
      await changed(4, '198.51.100.32/28', V4[0], { communities: ['64501:200'], largeCommunities: ['64501:3:4'] });
      await changed(6, '2001:db8:120::/124', V6[0], { communities: ['64501:200'], largeCommunities: ['64501:3:4'] });
      const p = await changed(4, `${internal}/32`, V4[2], { localPref: 300 });
      expect(p.communities).toEqual(['64500:7']);
    });

    test('aggregation: two Services share one /28, which stays until the last of them is deleted', async () => {
      await cp.kubectlOk(['apply', '-f', '-'], { input: service('tagged2', 'tagged', ['IPv4'], 'node-a') });
      const ip2 = (await ips('tagged2', 1))[0]!;
      expect(ip2.startsWith('198.51.100.3') || ip2.startsWith('198.51.100.4')).toBe(true);
      await cp.kubectlOk(['delete', 'svc', 'tagged']);
      await pathsFrom(6, '2001:db8:120::/124', []);
      // tagged2 still holds the IPv4 aggregate.
      const [p] = await pathsFrom(4, '198.51.100.32/28', [V4[0]]);
      expect(p?.nextHop).toBe(V4[0]);
      await cp.kubectlOk(['delete', 'svc', 'tagged2']);
      await pathsFrom(4, '198.51.100.32/28', []);
    });

    // GoBGP keeps its Adj-RIB-In and has no command that sends a ROUTE-REFRESH.
    if (router.refresh) {
      const refresh = router.refresh.bind(router);
      test('route refresh: the router asks node-a again and keeps the same paths', async () => {
        const web = await ips('web', 2);
        const refreshes = () => speakers[0]!.logs.filter((l) => l.includes('"routeRefresh"')).length;
        const before = refreshes();
        refresh(V4[0]);
        refresh(V6[0]);
        await eventually('node-a answered two route refreshes', async () => (refreshes() >= before + 2 ? true : undefined), WAIT_MS, 500);
        await pathsFrom(4, `${v4Of(web)}/32`, [V4[0], V4[1]]);
        await pathsFrom(6, `${v6Of(web)}/128`, [V6[0], V6[1]]);
      });
    }

    test('a node labelled exclude-from-external-load-balancers withdraws its paths; removing the label brings them back', async () => {
      const ip = v4Of(await ips('web', 2));
      await cp.kubectlOk(['label', 'node', 'node-b', 'node.kubernetes.io/exclude-from-external-load-balancers=']);
      await pathsFrom(4, `${ip}/32`, [V4[0]]);
      await cp.kubectlOk(['label', 'node', 'node-b', 'node.kubernetes.io/exclude-from-external-load-balancers-']);
      await pathsFrom(4, `${ip}/32`, [V4[0], V4[1]]);
    });

    test('a reset from the router: node-a reconnects at once and announces its paths again', async () => {
      const web = await ips('web', 2);
      await pathsFrom(4, `${v4Of(web)}/32`, [V4[0], V4[1]]);
      const notifications = () => speakers[0]!.logs.filter((l) => l.includes('"notificationReceived"')).length;
      const before = notifications();
      router.reset(V4[0]);
      await eventually('node-a received the Cease', async () => (notifications() > before ? true : undefined), WAIT_MS, 250);
      await pathsFrom(4, `${v4Of(web)}/32`, [V4[0], V4[1]]);
      expect(router.established(V4[0])).toBe(true);
    });

    test('deleting a BGPPeer closes its session and withdraws only what it carried', async () => {
      const [ip] = await ips('internal', 1);
      // An advertisement may not name a missing peer (the config would be refused): let it reach every peer first.
      await cp.kubectlOk(['-n', NAMESPACE, 'patch', 'bgpadvertisement', 'internal', '--type=merge', '-p', '{"spec":{"peers":null}}']);
      const all = await pathsFrom(4, `${ip}/32`, [V4[0], V4[1], V4[2]]);
      expect(all.find((p) => p.peer === V4[2])?.localPref).toBe(300);
      await cp.kubectlOk(['-n', NAMESPACE, 'delete', 'bgppeer', 'ibgp']);
      await pathsFrom(4, `${ip}/32`, [V4[0], V4[1]]);
      await eventually(`${router.name}: ${V4[2]} not Established`, async () => (router.established(V4[2]) ? undefined : true), WAIT_MS, 500);
    });

    test('all along, no speaker found fault with what the router sent: no UPDATE error, no NOTIFICATION but Cease', async () => {
      const bad = speakers.flatMap((s) => s.logs.filter((l) => l.includes('"updateError"') || (l.includes('"notificationSent"') && !l.includes('"code":6,'))));
      expect(bad).toEqual([]);
      for (const a of [V4[0], V4[1], V6[0], V6[1]]) expect(router.established(a)).toBe(true);
    });

    if (router.bfd) {
      test('BFD: the router sees the IPv4 and IPv6 sessions Up; node-b losing its link withdraws its paths long before the 90 s hold time', async () => {
        for (const a of [V4[0], V4[1], V6[0], V6[1]]) {
          await eventually(`${router.name}: BFD ${a} up`, async () => (router.bfdState(a) === 'up' ? true : undefined), WAIT_MS, 500);
        }
        await eventually('bfdSessionUp in node-b log', async () => speakers[1]!.logs.find((l) => l.includes('"bfdSessionUp"')), 10_000);
        const web = await ips('web', 2);
        await pathsFrom(4, `${v4Of(web)}/32`, [V4[0], V4[1]]);
        await pathsFrom(6, `${v6Of(web)}/128`, [V6[0], V6[1]]);
        lab.exec(lab.speakers[1]!.ns, 'ip', ['link', 'set', 'eth0', 'down']);
        // pathsFrom waits at most 60 s, less than the 90 s hold time: only BFD can take the sessions down in time.
        await pathsFrom(4, `${v4Of(web)}/32`, [V4[0]]);
        await pathsFrom(6, `${v6Of(web)}/128`, [V6[0]]);
        for (const a of [V4[1], V6[1]]) {
          expect(router.bfdState(a)).toBe('down');
          expect(router.established(a)).toBe(false);
        }
        expect(router.established(V4[0]) && router.established(V6[0])).toBe(true);
      });
    }
  });
}
