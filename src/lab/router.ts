// The tutorial's BGP router: FRR zebra + bgpd in the router namespace, accepting every speaker on the LAN (iBGP, AS 64500).
import { chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FRR_BGPD, FRR_ZEBRA } from './binaries';
import { must, runIn } from './shell';
import { BGP_ASN, FRR_PATHSPACE, FRR_RUN_DIR, LAN_CIDR, ROUTER } from './topology';

function frrIds(): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('frr:'));
  if (!line) return undefined;
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

export function bgpdConfig(): string {
  return [
    'frr defaults traditional',
    'hostname lab-router',
    '!',
    `router bgp ${BGP_ASN}`,
    ` bgp router-id ${ROUTER.ip}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ' neighbor SPEAKERS peer-group',
    ` neighbor SPEAKERS remote-as ${BGP_ASN}`,
    ' neighbor SPEAKERS timers 3 9',
    ` bgp listen range ${LAN_CIDR} peer-group SPEAKERS`,
    ' !',
    ' address-family ipv4 unicast',
    '  neighbor SPEAKERS activate',
    '  maximum-paths ibgp 8',
    ' exit-address-family',
    '!',
    '',
  ].join('\n');
}

export class LabRouter {
  /** Starts zebra (installs routes in the namespace's kernel table) then bgpd; both daemonise inside the namespace. */
  async start(): Promise<void> {
    mkdirSync(FRR_RUN_DIR, { recursive: true });
    const zconf = join(FRR_RUN_DIR, 'zebra.conf');
    const bconf = join(FRR_RUN_DIR, 'bgpd.conf');
    writeFileSync(zconf, 'hostname lab-router\n');
    writeFileSync(bconf, bgpdConfig());
    const ids = frrIds();
    if (ids) for (const p of [FRR_RUN_DIR, zconf, bconf]) chownSync(p, ids.uid, ids.gid);
    await must('ip', ['netns', 'exec', ROUTER.ns, FRR_ZEBRA, '-d', '-N', FRR_PATHSPACE, '-f', zconf, '-i', join(FRR_RUN_DIR, 'zebra.pid')], { timeoutMs: 20_000 });
    await must('ip', ['netns', 'exec', ROUTER.ns, FRR_BGPD, '-d', '-N', FRR_PATHSPACE, '-f', bconf, '-i', join(FRR_RUN_DIR, 'bgpd.pid')], { timeoutMs: 20_000 });
  }

  async vtysh(command: string): Promise<string> {
    const r = await runIn(ROUTER.ns, 'vtysh', ['-N', FRR_PATHSPACE, '-c', command], { timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`vtysh -c '${command}' exited ${r.code}: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  }

  async vtyshJson<T>(command: string): Promise<T> {
    return JSON.parse(await this.vtysh(command)) as T;
  }

  /** Established BGP neighbours (address → received prefix count). */
  async establishedPeers(): Promise<Map<string, number>> {
    type Summary = { ipv4Unicast?: { peers?: Record<string, { state?: string; pfxRcd?: number }> } };
    const s = await this.vtyshJson<Summary>('show bgp summary json');
    const out = new Map<string, number>();
    for (const [addr, p] of Object.entries(s.ipv4Unicast?.peers ?? {})) if (p.state === 'Established') out.set(addr, p.pfxRcd ?? 0);
    return out;
  }

  /** Next hops of the kernel-installed (FIB) route for `prefix`, e.g. 198.51.100.10/32. */
  async fibNextHops(prefix: string): Promise<string[]> {
    type Route = { selected?: boolean; installed?: boolean; nexthops?: Array<{ ip?: string; fib?: boolean; active?: boolean }> };
    const routes = await this.vtyshJson<Record<string, Route[]>>(`show ip route ${prefix} json`);
    const hops = (routes[prefix] ?? []).filter((r) => r.installed).flatMap((r) => r.nexthops ?? []);
    return hops.filter((h) => h.fib && h.ip).map((h) => h.ip as string).sort();
  }

  static removeFiles(): void {
    rmSync(FRR_RUN_DIR, { recursive: true, force: true });
  }
}
