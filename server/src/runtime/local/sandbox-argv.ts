/**
 * Builds the command line of one sandbox: a wrapper that records its pid (so `stop` can end sandboxes that
 * the gateway spawned), resource limits, then bubblewrap with its own mount, PID, IPC, UTS (and, unless the
 * lab may use the network, network) namespaces. Pure: the same spec always gives the same argv, which the
 * gateway receives inside a signed terminal ticket and spawns as is.
 *
 * Who the student is inside:
 * - `setuid` (AutoLabs runs as root): bubblewrap builds the sandbox as root and `setpriv` then drops to a
 *   host user id reserved for this instance, with no capabilities. The process limit therefore counts this
 *   instance's processes only, and two instances can never signal or read each other's files.
 * - `userns` (AutoLabs runs as a normal user): bubblewrap maps the student to uid 1000 in a user namespace;
 *   on the host the processes belong to the AutoLabs user, so no per-instance process limit is set.
 * bubblewrap always sets no_new_privs, so setuid programs under /usr cannot raise privileges.
 *
 * Nothing a teacher writes reaches a privileged process: bubblewrap and `setpriv` run with an empty
 * environment, and the lab's variables are set by `env -i` only after the drop, so LD_PRELOAD and friends
 * load into the student's own processes at most. A seccomp filter (seccomp-filter.ts) refuses new user
 * namespaces inside the sandbox.
 *
 * Storage (root mode): the home and the scratch space (/tmp, /var/tmp) are ext4 images mounted by the
 * runtime (instance-volume.ts), so their size is a real quota; the wrapper refuses to start a sandbox
 * whose home is not mounted, so a write never lands on the host's own disk. In user-namespace mode the
 * home is a plain directory (RLIMIT_FSIZE caps single files only) and /tmp a small tmpfs.
 *
 * `--new-session` is only used for batch commands: a PTY shell needs the terminal as its controlling tty
 * for job control (Ctrl-Z, fg), and the PTY is private to this sandbox, so TIOCSTI cannot reach anything
 * outside it. `--die-with-parent` ties the sandbox to its wrapper, so killing the recorded pid ends the
 * whole PID namespace.
 */
import type { HostLayout } from './host-layout';
import type { InstancePaths } from '@autolabs/common/lab-access/local/instance-paths';

export type SandboxIdentity = { mode: 'setuid'; uid: number } | { mode: 'userns' };

export interface SandboxLimits {
  /** The terminal container's memory limit: the cgroup's limit, else RLIMIT_AS per process. */
  memoryBytes: number;
  /** The terminal container's CPU limit, enforced only through a cgroup. */
  cpuMillis: number;
  /** RLIMIT_NPROC for the instance's user id (setuid mode only). */
  maxProcesses: number;
  /** RLIMIT_FSIZE: the largest single file, from storage.size (there is no disk quota locally). */
  maxFileBytes: number;
  maxOpenFiles: number;
  /** Scheduling priority: CPU is shared, not capped, so sandboxes yield to the platform itself. */
  nice: number;
  /** Size of /tmp and /var/tmp when they are memory-backed (no scratch volume). */
  tmpBytes: number;
}

export interface SandboxSpec {
  bwrapPath: string;
  layout: HostLayout;
  paths: InstancePaths;
  mountPath: string;
  hostname: string;
  network: boolean;
  identity: SandboxIdentity;
  limits: SandboxLimits;
  /** Null when cgroups cannot be used; the memory limit then falls back to RLIMIT_AS. */
  cgroup: SandboxCgroup | null;
  /** The lab's environment, set after the privilege drop. */
  env: Record<string, string>;
  /** The compiled seccomp filter (seccomp-filter.ts), read by the wrapper; null: none for this arch. */
  seccompFile: string | null;
  /** Home and scratch are quota volumes (root mode); false: home is a plain directory and /tmp a tmpfs. */
  diskQuota: boolean;
  /** A PTY shell (keeps its session for job control) or a batch command (gets a new session). */
  interactive: boolean;
}

/** The uid the student has inside the sandbox (what `id -u` prints). */
export function sandboxUid(identity: SandboxIdentity): number {
  return identity.mode === 'setuid' ? identity.uid : 1000;
}

/**
 * The wrapper every sandbox starts under. Arguments: pid directory, seccomp filter file, the volumes that
 * must be mounted (space-separated), then (empty when cgroups are not used) cgroup root, group, memory
 * bytes, max pids, CPU quota in µs. It checks the volumes, opens the filter as fd 3 for bubblewrap, joins
 * the instance's cgroups (creating them with their limits if a reboot removed them), records its pid and
 * execs the rest; exec keeps the pid, so the recorded pid is bubblewrap's own. Any failure exits 125
 * before the sandbox starts.
 */
export const PID_WRAPPER = [
  'p=$1 s=$2 v=$3 r=$4 g=$5 m=$6 n=$7 q=$8; shift 8',
  'for d in $v; do mountpoint -q "$d" || { echo "autolabs: the lab storage is not mounted; start the lab again" >&2; exit 125; }; done',
  'if [ -n "$s" ]; then exec 3<"$s" || exit 125; fi',
  'if [ -n "$r" ]; then',
  '  for c in memory pids cpu; do mkdir -p "$r/$c/$g" || exit 125; done',
  '  echo "$m" > "$r/memory/$g/memory.limit_in_bytes" && echo "$n" > "$r/pids/$g/pids.max" && echo "$q" > "$r/cpu/$g/cpu.cfs_quota_us" || exit 125',
  '  for c in memory pids cpu; do echo $$ > "$r/$c/$g/cgroup.procs" || exit 125; done',
  'fi',
  'echo $$ > "$p/$$" || exit 125',
  'exec "$@"',
].join('\n');

/** Per-instance cgroups v1 (root mode on machines that have them); see cgroup-v1.ts. */
export interface SandboxCgroup {
  root: string;
  group: string;
  memoryBytes: number;
  maxProcesses: number;
  cpuQuotaUs: number;
}

export function sandboxArgv(spec: SandboxSpec, command: string[]): string[] {
  const { paths, limits, identity, layout } = spec;
  const { cgroup } = spec;
  const rlimits = [
    ...(cgroup ? [] : [`--as=${limits.memoryBytes}`]),
    // With quota volumes the file system says ENOSPC; RLIMIT_FSIZE would only kill writes to /tmp with SIGXFSZ.
    ...(spec.diskQuota ? [] : [`--fsize=${limits.maxFileBytes}`]),
    `--nofile=${limits.maxOpenFiles}`,
    '--core=0',
    ...(identity.mode === 'setuid' ? [`--nproc=${limits.maxProcesses}`] : []),
  ];
  const namespaces = [
    ...(identity.mode === 'userns' ? ['--unshare-user', '--uid', '1000', '--gid', '1000'] : []),
    '--unshare-pid',
    '--unshare-ipc',
    '--unshare-uts',
    '--unshare-cgroup-try',
    ...(spec.network ? [] : ['--unshare-net']),
    '--die-with-parent',
    ...(spec.interactive ? [] : ['--new-session']),
    '--hostname',
    spec.hostname,
  ];
  const system = layout.system.flatMap((e) =>
    e.kind === 'symlink' ? ['--symlink', e.target, e.path] : ['--ro-bind', e.path, e.path],
  );
  // Directories bubblewrap would otherwise create private to root, hiding them from the student.
  const visibleDirs = ['/etc', ...parentsOf(spec.mountPath)].flatMap((d) => ['--perms', '0755', '--dir', d]);
  const etc = [...layout.etc, ...(spec.network ? layout.etcNetwork : [])].flatMap((p) => ['--ro-bind', p, p]);
  const generatedEtc = ['passwd', 'group', 'hosts', 'hostname'].flatMap((f) => ['--ro-bind', `${paths.etc}/${f}`, `/etc/${f}`]);
  const scratch = spec.diskQuota
    ? [['tmp', '/tmp'], ['var-tmp', '/var/tmp']].flatMap(([dir, p]) => ['--bind', `${paths.scratch}/${dir}`, p])
    : ['/tmp', '/var/tmp'].flatMap((p) => ['--perms', '1777', '--size', String(limits.tmpBytes), '--tmpfs', p]);
  const dropToStudent =
    identity.mode === 'setuid'
      ? ['/usr/bin/setpriv', `--reuid=${identity.uid}`, `--regid=${identity.uid}`, '--clear-groups', '--inh-caps=-all', '--bounding-set=-all', '--']
      : [];
  // After the drop: `env -i -- NAME=value ...` then the command (names are validated identifiers).
  const labEnv = ['/usr/bin/env', '-i', '--', ...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`)];
  const mounted = spec.diskQuota ? `${paths.home} ${paths.scratch}` : '';
  return [
    '/bin/sh',
    '-c',
    PID_WRAPPER,
    'autolabs-sandbox',
    paths.pids,
    spec.seccompFile ?? '',
    mounted,
    ...(cgroup ? [cgroup.root, cgroup.group, String(cgroup.memoryBytes), String(cgroup.maxProcesses), String(cgroup.cpuQuotaUs)] : ['', '', '', '', '']),
    '/usr/bin/nice',
    '-n',
    String(limits.nice),
    '/usr/bin/prlimit',
    ...rlimits,
    '--',
    spec.bwrapPath,
    ...namespaces,
    ...(spec.seccompFile ? ['--seccomp', '3'] : []),
    ...system,
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    ...scratch,
    '--tmpfs',
    '/run',
    ...visibleDirs,
    ...etc,
    ...generatedEtc,
    '--bind',
    paths.home,
    spec.mountPath,
    '--chdir',
    spec.mountPath,
    '--clearenv',
    '--',
    ...dropToStudent,
    ...labEnv,
    ...command,
  ];
}

/** `/home/student/work` -> [`/home`, `/home/student`]. */
function parentsOf(mountPath: string): string[] {
  const parts = mountPath.split('/').filter(Boolean);
  return parts.slice(0, -1).map((_, i) => `/${parts.slice(0, i + 1).join('/')}`);
}
