/**
 * A cpuset cgroup that holds a process tree on some CPUs. `taskset` alone does not: a thread may set its
 * own affinity, and Chromium's software GL (SwiftShader, used where there is no GPU) pins worker threads to
 * CPUs of its choosing, so a browser "pinned" to CPU 1 still drew frames on CPU 0 beside the server the
 * bench measures there. Inside a cpuset, an affinity outside it is refused.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Cpuset {
  /** The file a process writes its pid to, to join (it and everything it starts). */
  procsFile: string;
  /** Ends whatever the browser left in it and removes the cgroup. */
  remove(): Promise<void>;
}

const V1 = '/sys/fs/cgroup/cpuset';
const V2 = '/sys/fs/cgroup';

function create(parent: string, name: string, cpus: string, setup: (dir: string) => void): Cpuset {
  const dir = path.join(parent, name);
  mkdirSync(dir);
  try {
    setup(dir);
    writeFileSync(path.join(dir, 'cpuset.cpus'), cpus);
  } catch (e) {
    rmdirSync(dir);
    throw e;
  }
  const procs = () => readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean);
  return {
    procsFile: path.join(dir, 'cgroup.procs'),
    async remove() {
      // What the browser left (its crash handler, helpers on their way out) ends with it.
      for (const pid of procs()) {
        try {
          process.kill(Number(pid), 'SIGKILL');
        } catch {
          // Exited meanwhile.
        }
      }
      for (let i = 0; i < 250 && procs().length > 0; i++) await new Promise((r) => setTimeout(r, 20));
      rmdirSync(dir);
    },
  };
}

/** A new cpuset `name` on `cpus` (taskset's list syntax), or null where this machine lets us make none. */
export function createCpuset(name: string, cpus: string): Cpuset | null {
  try {
    if (existsSync(path.join(V1, 'cpuset.cpus'))) {
      const mems = readFileSync(path.join(V1, 'cpuset.mems'), 'utf8').trim();
      return create(V1, name, cpus, (dir) => writeFileSync(path.join(dir, 'cpuset.mems'), mems));
    }
    if (readFileSync(path.join(V2, 'cgroup.controllers'), 'utf8').split(/\s+/).includes('cpuset')) {
      writeFileSync(path.join(V2, 'cgroup.subtree_control'), '+cpuset');
      return create(V2, name, cpus, () => undefined);
    }
  } catch {
    // Not root, or a cgroup tree we may not write: the caller falls back to taskset.
  }
  return null;
}

/**
 * Chromium to start, held on `cpus` (taskset's list) when given: a wrapper in `profileDir` that joins a
 * cpuset where the machine allows one (else taskset only: `pinnedBy` says which), then runs Chromium.
 */
export function pinnedChromium(profileDir: string, cpus?: string): { command: string; cpuset: Cpuset | null; pinnedBy: 'cpuset' | 'taskset' | null } {
  if (!cpus) return { command: '/usr/bin/chromium', cpuset: null, pinnedBy: null };
  const cpuset = createCpuset(path.basename(profileDir), cpus);
  const command = path.join(profileDir, 'chromium-pinned');
  writeFileSync(command, `#!/bin/sh\n${cpuset ? `echo $$ > ${cpuset.procsFile}\n` : ''}exec taskset -c ${cpus} /usr/bin/chromium "$@"\n`);
  chmodSync(command, 0o755);
  return { command, cpuset, pinnedBy: cpuset ? 'cpuset' : 'taskset' };
}
