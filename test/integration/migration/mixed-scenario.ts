// The mixed-cluster scenarios (MetalLB speakers on node-a and node-c, metallbts on node-b and node-d) as jest suites:
// one cluster with one owner per VIP and takeover both ways, or, with mismatched key derivations, the partition.
import { haveBinaries } from '../../harness/bins';
import { useControlPlane } from '../../harness/jest-control-plane';
import { NAMESPACE } from '../../support/metallb-system';
import type { KeyDerivation } from '../../../src/memberlist/key-derivation';
import { canRunNetns, haveTool } from '../layer2/netns-lab';
import { arpOwners, observeSettled } from '../layer2/owner-view';
import { applyServices, MixedCluster, NAMES, shaOrder, svcName, type SpeakerKind } from './mixed-cluster';

/** Owners in hash order (a MetalLB, b/d ours): 240 a→d, 241 d→c, 242 c, 244 d→b, 246 b, 247 b. */
export const VIPS = ['192.168.1.240', '192.168.1.241', '192.168.1.242', '192.168.1.244', '192.168.1.246', '192.168.1.247'];

export const mixedEnabled = canRunNetns() && haveTool('arping') && haveTool('ping') && haveBinaries(['etcd', 'kube-apiserver', 'kubectl']);
// In CI (root, packages and binaries installed) these must run: a missing prerequisite fails instead of skipping.
const describeMixed = mixedEnabled || process.env.CI ? describe : describe.skip;

export interface MixedScenario {
  metallb: string;
  ours: KeyDerivation;
  tag: string;
}

function kinds(s: MixedScenario): Array<{ name: string; speaker: SpeakerKind }> {
  return NAMES.map((name, i) => ({ name, speaker: i % 2 === 0 ? { kind: 'metallb', version: s.metallb } : { kind: 'metallbts', keyDerivation: s.ours } }));
}

function useMixed(s: MixedScenario): { cluster: MixedCluster; cp: ReturnType<typeof useControlPlane>; failed: { v: boolean } } {
  const cp = useControlPlane();
  const cluster = new MixedCluster(cp, kinds(s), s.tag);
  const failed = { v: false };
  beforeAll(async () => {
    try {
      await cluster.prepare(VIPS, async () => {
        await applyServices(cp, VIPS, NAMES);
      });
    } catch (err) {
      failed.v = true;
      cluster.down(true);
      throw new Error(`${(err as Error).message}\n(logs kept in ${cluster.dir})`);
    }
  }, 1_900_000);
  afterAll(() => {
    if (failed.v) process.stdout.write(`mixed cluster ${s.tag}: speaker logs kept in ${cluster.dir}\n`);
    cluster.down(failed.v);
  });
  return { cluster, cp, failed };
}

/** One memberlist across MetalLB and metallbts: the hash-order owner answers every VIP alone, and takes over either way. */
export function describeOneCluster(s: MixedScenario): void {
  describeMixed(`MetalLB ${s.metallb} on node-a/node-c, metallbts (${s.ours}) on node-b/node-d`, () => {
    jest.setTimeout(240_000);
    const { cluster, cp, failed } = useMixed(s);
    const alive = new Set(NAMES);

    async function expectOwners(step: string): Promise<void> {
      for (const vip of VIPS) {
        const owner = shaOrder(vip).find((n) => alive.has(n))!;
        const seen = await observeSettled(cluster.lab, vip, cluster.node(owner).mac);
        const arp = seen.arpMacs.map((m) => cluster.nameOf(m));
        process.stdout.write(`mixed ${s.tag} ${step}: ${vip} → ${owner} (${cluster.node(owner).speaker.kind}): arping ${arp.join(',') || 'none'}; neighbour ${cluster.nameOf(seen.neighMac)}; ${seen.settledMs} ms\n`);
        if (arp.some((n) => n !== owner) || seen.neighMac !== cluster.node(owner).mac) failed.v = true;
        expect({ vip, arp: [...new Set(arp)], neigh: cluster.nameOf(seen.neighMac) }).toEqual({ vip, arp: [owner], neigh: owner });
        expect(seen.arpMacs.length).toBeGreaterThanOrEqual(3);
      }
    }

    /** ServiceL2Status objects name the owner; no other live node claims the Service (a killed one cannot delete its own). */
    async function expectStatuses(exact: boolean): Promise<void> {
      interface L2Status { metadata: { labels?: Record<string, string> }; status?: { node?: string } }
      for (const vip of VIPS) {
        const owner = shaOrder(vip).find((n) => alive.has(n))!;
        let nodes: string[] = [];
        for (let i = 0; i < 80; i++) {
          const list = await cp.kubectlJson<{ items: L2Status[] }>(['-n', NAMESPACE, 'get', 'servicel2statuses', '-l', `metallb.io/service-name=${svcName(vip)}`]);
          nodes = list.items.map((x) => x.status?.node ?? x.metadata.labels?.['metallb.io/node'] ?? '?').sort();
          const live = nodes.filter((n) => alive.has(n));
          if (exact ? nodes.join() === owner : live.join() === owner) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        expect({ vip, nodes: exact ? nodes : nodes.filter((n) => alive.has(n)) }).toEqual({ vip, nodes: [owner] });
      }
    }

    it('both kinds join one memberlist (MetalLB joins ours through the speaker Pods, ours MetalLB through the Node addresses)', async () => {
      await cluster.start();
      for (const n of NAMES) expect([...cluster.memberlistSees(n)].filter((x) => x !== n).sort()).toEqual(NAMES.filter((x) => x !== n));
    });

    it('every VIP has exactly one owner, the one the sha256(node#ip) order predicts, and its ServiceL2Status agrees', async () => {
      await expectOwners('all up');
      await expectStatuses(true);
    });

    /** Kills `owner`, `vip`'s sha256-first node (`next` second), and checks every VIP's owner and status after. */
    async function killOwner(vip: string, owner: string, next: string): Promise<void> {
      expect(shaOrder(vip).slice(0, 2)).toEqual([owner, next]);
      cluster.kill(owner);
      alive.delete(owner);
      await expectOwners(`${owner} killed`);
      await expectStatuses(false);
    }

    it('MetalLB owner killed → metallbts takes over (192.168.1.240: node-a → node-d)', () => killOwner('192.168.1.240', 'node-a', 'node-d'));

    it('metallbts owner killed → MetalLB takes over (192.168.1.241: node-d → node-c)', () => killOwner('192.168.1.241', 'node-d', 'node-c'));
  });
}

/** Mismatched derivations: MetalLB cannot read what metallbts sends, two memberlists form, VIPs get two owners, and ours warn. */
export function describePartition(s: MixedScenario): void {
  describeMixed(`MetalLB ${s.metallb} next to metallbts sending with ${s.ours}: the partition`, () => {
    jest.setTimeout(240_000);
    const { cluster, cp } = useMixed(s);

    it('two clusters, VIPs answered by two MACs, reported as duplicateOwner Warnings', async () => {
      // Ours first, so that MetalLB's gratuitous ARPs reach owners that are already announcing.
      await cluster.start(['node-b', 'node-d'], (n) => (n === 'node-b' ? ['node-d'] : ['node-b']));
      await cluster.start(['node-a', 'node-c'], (n) => (n === 'node-a' ? ['node-c'] : ['node-a']));
      let doubled: string[] = [];
      for (let i = 0; i < 10 && doubled.length === 0; i++) {
        doubled = [];
        for (const vip of VIPS) if (new Set(await arpOwners(cluster.lab, vip, 3)).size > 1) doubled.push(vip);
      }
      process.stdout.write(`mixed ${s.tag}: VIPs answered by two MACs: ${doubled.join(', ')}\n`);
      expect(doubled.length).toBeGreaterThan(0);
      let reasons: string[] = [];
      for (let i = 0; i < 60; i++) {
        const ev = await cp.kubectlJson<{ items: Array<{ reason: string; type: string; message: string }> }>(['-n', 'default', 'get', 'events', '--field-selector', 'reason=duplicateOwner']);
        reasons = ev.items.filter((e) => e.type === 'Warning').map((e) => e.message);
        if (reasons.length > 0) break;
        await new Promise((r) => setTimeout(r, 500));
      }
      expect(reasons.length).toBeGreaterThan(0);
      expect(reasons[0]).toMatch(/^IP 192\.168\.1\.\d+ is also answered by MAC 02:00:00:00:01:[0-9a-f]{2} on interface eth0$/);
      // MetalLB's memberlist cannot read ours (it knows one derivation only) and says so.
      const metallbLines = [...cluster.lines('node-a'), ...cluster.lines('node-c')].map((l) => JSON.stringify(l));
      expect(metallbLines.some((l) => /No installed keys could decrypt/i.test(l))).toBe(true);
    });
  });
}

