/**
 * Ends every process of an instance, including PTY shells the gateway spawned in another process. Each
 * sandbox's wrapper wrote its pid into the instance's pids directory; the pid is bubblewrap's, and
 * killing it takes the sandbox's PID namespace with it (--die-with-parent). A pid is only signalled when
 * its command line still names the instance's directory, so a recycled pid is never hit. In root mode the
 * instance also has its own user id and (with cgroups v1) its own cgroup, and anything still running under
 * either is killed too.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cgroupPids } from './cgroup-v1';

async function cmdline(pid: number): Promise<string | null> {
  try {
    return (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0').join(' ');
  } catch {
    return null;
  }
}

/** Real uid of a live process; null for zombies (already dead, waiting for their parent) and vanished pids. */
async function realUid(pid: number): Promise<number | null> {
  try {
    const status = await fs.readFile(`/proc/${pid}/status`, 'utf8');
    if (/^State:\s+Z/m.test(status)) return null;
    const match = /^Uid:\s+(\d+)/m.exec(status);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Pids recorded for the instance that are still alive and still its sandboxes. Prunes stale records. */
export async function liveSandboxPids(pidsDir: string, instanceRoot: string): Promise<number[]> {
  const names = await fs.readdir(pidsDir).catch(() => [] as string[]);
  const live: number[] = [];
  for (const name of names) {
    const pid = Number(name);
    const cmd = Number.isInteger(pid) && pid > 1 ? await cmdline(pid) : null;
    if (cmd !== null && cmd.includes(`${instanceRoot}/`)) live.push(pid);
    else await fs.rm(path.join(pidsDir, name), { force: true });
  }
  return live;
}

async function pidsOfUid(uid: number): Promise<number[]> {
  const entries = await fs.readdir('/proc');
  const pids: number[] = [];
  for (const e of entries) {
    const pid = Number(e);
    if (Number.isInteger(pid) && (await realUid(pid)) === uid) pids.push(pid);
  }
  return pids;
}

function kill(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone: that is the outcome we want.
  }
}

/** SIGKILL every sandbox of the instance and wait (up to `deadlineMs`) until none is left. */
export async function killInstanceProcesses(
  opts: { pidsDir: string; instanceRoot: string; uid: number | null; cgroup: { root: string; group: string } | null },
  deadlineMs = 5000,
): Promise<{ remaining: number }> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const pids = [
      ...(await liveSandboxPids(opts.pidsDir, opts.instanceRoot)),
      ...(opts.uid === null ? [] : await pidsOfUid(opts.uid)),
      ...(opts.cgroup === null ? [] : cgroupPids(opts.cgroup.root, opts.cgroup.group)),
    ];
    if (pids.length === 0 || Date.now() > until) return { remaining: pids.length };
    pids.forEach(kill);
    await sleep(50);
  }
}
