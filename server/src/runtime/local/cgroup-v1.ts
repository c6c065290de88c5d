/**
 * Per-instance resource limits through cgroups v1, used when AutoLabs runs as root on a machine whose
 * memory, pids and cpu hierarchies are mounted and writable (cgroups v2 is not handled here; there the
 * runtime falls back to rlimits only). One group per instance, `autolabs/<instanceId>` in each
 * hierarchy, holds every sandbox of the instance (terminals and checks), so the limits are per instance
 * like a container's: memory.limit_in_bytes (the kernel OOM-kills inside the group beyond it), pids.max,
 * and a CFS quota for CPU. The sandbox wrapper creates the groups itself (see sandbox-argv.ts), so they
 * come back after a reboot wipes /sys/fs/cgroup.
 */
import fs from 'node:fs';
import path from 'node:path';

export const CGROUP_V1_ROOT = '/sys/fs/cgroup';
export const CGROUP_CONTROLLERS = ['memory', 'pids', 'cpu'] as const;
/** CFS period the quota is expressed against (the kernel default). */
export const CFS_PERIOD_US = 100_000;

/** True when every controller we need is a writable cgroups v1 hierarchy under `root`. */
export function cgroupV1Available(root = CGROUP_V1_ROOT): boolean {
  if (process.getuid?.() !== 0) return false;
  const markers = { memory: 'memory.limit_in_bytes', pids: 'pids.max', cpu: 'cpu.cfs_quota_us' } as const;
  return CGROUP_CONTROLLERS.every((c) => {
    const dir = path.join(root, c);
    try {
      fs.accessSync(dir, fs.constants.W_OK);
      // pids.max only exists below the root group; the root shows cgroup.procs and the pids controller.
      return fs.existsSync(path.join(dir, 'cgroup.procs')) && (c === 'pids' || fs.existsSync(path.join(dir, markers[c])));
    } catch {
      return false;
    }
  });
}

export function instanceCgroup(instanceId: string): string {
  return `autolabs/${instanceId}`;
}

/** Pids of every task in the instance's group (empty when the group does not exist). */
export function cgroupPids(root: string, group: string): number[] {
  try {
    return fs
      .readFileSync(path.join(root, 'pids', group, 'cgroup.procs'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Removes the instance's groups once they are empty; a group still in use is left for the next stop. */
export function removeInstanceCgroups(root: string, group: string): void {
  for (const c of CGROUP_CONTROLLERS) {
    try {
      fs.rmdirSync(path.join(root, c, group));
    } catch {
      // Missing (never created, or gone after a reboot) or still busy: nothing more to do now.
    }
  }
}
