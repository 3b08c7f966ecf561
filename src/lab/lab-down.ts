// `lab down`: kills every lab process, deletes every lab namespace, FRR's run dir and the lab dir; idempotent.
import { existsSync, rmSync } from 'node:fs';
import { podPids, removeContainerLogLinks, removeLabCgroups, restoreHostSysctls, unmountLab } from './host-cleanup';
import { isAliveInInode, isRunning, namespaceInode, signal } from './daemons';
import { existingLabNamespaces, LabNetwork } from './network';
import type { Progress } from './progress';
import { LabRouter } from './router';
import { run, sleep } from './shell';
import { labDataDir, labDir, readState } from './state';
import { FRR_RUN_DIR } from './topology';

export interface DownReport {
  killed: number;
  namespaces: string[];
  problems: string[];
}

/** Pids of every process in our namespaces, plus recorded lab processes still in the namespace they started in. */
async function labPids(): Promise<Set<number>> {
  const pids = new Set<number>();
  for (const ns of existingLabNamespaces()) {
    const r = await run('ip', ['netns', 'pids', ns], { timeoutMs: 10_000 });
    for (const p of r.stdout.split(/\s+/).filter(Boolean)) if (Number(p) !== process.pid) pids.add(Number(p));
  }
  for (const p of podPids()) pids.add(p);
  for (const rec of readState()?.processes ?? []) {
    const ino = rec.nsInode ?? namespaceInode(rec.ns);
    if (ino !== undefined && isAliveInInode(rec.pid, ino)) pids.add(rec.pid);
  }
  return pids;
}

/** SIGTERM, wait up to `graceMs`, then SIGKILL and wait up to 3 s more. */
async function killAll(pids: Set<number>, graceMs: number): Promise<number[]> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const alive = (): number[] => [...pids].filter((p) => isRunning(p));
  for (let i = 0; i < graceMs / 100 && alive().length > 0; i++) await sleep(100);
  for (const pid of alive()) signal(pid, 'SIGKILL');
  for (let i = 0; i < 30 && alive().length > 0; i++) await sleep(100);
  return alive();
}

export async function labDown(progress: Progress, opts: { quiet?: boolean } = {}): Promise<DownReport> {
  const report: DownReport = { killed: 0, namespaces: existingLabNamespaces(), problems: [] };
  const say = (m: string): void => {
    if (!opts.quiet) progress.note(m);
  };
  const pids = await labPids();
  report.killed = pids.size;
  const survivors = await killAll(pids, 3000);
  if (survivors.length) report.problems.push(`processes still running after SIGKILL: ${survivors.join(' ')}`);
  say(`stopped ${pids.size} lab process(es)`);

  // Pods' netns, overlay rootfs and volumes are mounts under the lab dirs; namespaces and dirs go only after them.
  const stuck = await unmountLab();
  if (stuck.length) report.problems.push(`mounts left: ${stuck.join(' ')}`);
  const cgroups = removeLabCgroups();
  if (cgroups.length) report.problems.push(`cgroups left: ${cgroups.slice(0, 5).join(' ')}${cgroups.length > 5 ? ' ...' : ''}`);
  removeContainerLogLinks();
  const sysctls = restoreHostSysctls();
  if (sysctls.length) report.problems.push(`host sysctls not restored: ${sysctls.join(' ')}`);

  report.problems.push(...(await new LabNetwork().deleteNamespaces()));
  const left = existingLabNamespaces();
  if (left.length) report.problems.push(`namespaces left: ${left.join(' ')}`);
  say(report.namespaces.length ? `deleted namespaces ${report.namespaces.join(' ')}` : 'no lab namespaces');

  const dirs = [FRR_RUN_DIR, labDir(), labDataDir()].filter((d) => existsSync(d));
  LabRouter.removeFiles();
  if (stuck.length === 0) {
    rmSync(labDir(), { recursive: true, force: true });
    rmSync(labDataDir(), { recursive: true, force: true });
  }
  say(dirs.length ? `removed ${dirs.join(' ')}` : 'no lab files');
  return report;
}
