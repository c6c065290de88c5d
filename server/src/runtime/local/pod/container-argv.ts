/**
 * The command line of one sandbox of a lab container run from its image (the pod mode of the local
 * runtime). Pure, like sandbox-argv.ts, and built from the same wrapper (pid record, seccomp filter,
 * volume check, cgroup). What differs from the host-filesystem sandbox:
 *
 *   wrapper -> nice -> prlimit -> nsenter --user --net (the instance's pod namespaces, as container
 *   uid:gid) -> bwrap [--unshare-user --uid U: non-root users only] --bind <container rootfs> / ...
 *   -> env -i <image env + lab env> -> command
 *
 * bubblewrap runs as the container's user, which cannot walk the data directory (0700): everything it
 * binds sits in the pod's run directory (pod-run-dir.ts), which container uids may traverse.
 *
 * Nothing after `nsenter` is privileged on the host: container uid 0 is host uid CONTAINER_UID_BASE with
 * capabilities only inside the pod's user namespace. That is why the image's own binaries may run there:
 * an image is a teacher's choice, and so is everything in it.
 */
import type { SandboxCgroup, SandboxLimits } from '../sandbox-argv';
import { PID_WRAPPER } from '../sandbox-argv';


/** Where the lab images' sshd looks for the keys it accepts (lab-images/common/sshd_config). */
export const AUTHORIZED_KEYS_IN_CONTAINER = '/etc/autolabs/authorized_keys';

export interface ContainerSandboxSpec {
  bwrapPath: string;
  pidsDir: string;
  seccompFile: string | null;
  /** Mount points the wrapper checks before starting (home and scratch volumes). */
  volumes: string[];
  cgroup: SandboxCgroup | null;
  limits: Pick<SandboxLimits, 'memoryBytes' | 'maxOpenFiles' | 'nice'>;
  /** The pod's namespace files (pod-namespaces.ts). */
  ns: { user: string; net: string };
  /** Container uid and gid (0..65535). */
  user: { uid: number; gid: number };
  hostname: string;
  /** The container's merged root filesystem. */
  rootfs: string;
  /** hosts and hostname files of the pod. */
  etcDir: string;
  /** Shared only when the lab may reach the network. */
  resolvConf: string | null;
  /** Bound read-only at /etc/autolabs/authorized_keys (the image's sshd reads it; lab-images/common/sshd_config). */
  authorizedKeys?: string;
  /** The lab storage, in the terminal container only. */
  storage: { source: string; mountPath: string } | null;
  workingDir: string;
  env: Record<string, string>;
  interactive: boolean;
}

export function containerArgv(spec: ContainerSandboxSpec, command: string[]): string[] {
  const { cgroup, limits, user } = spec;
  const rootInContainer = user.uid === 0;
  return [
    '/bin/sh', '-c', PID_WRAPPER, 'autolabs-sandbox', spec.pidsDir, spec.seccompFile ?? '', spec.volumes.join(' '),
    ...(cgroup ? [cgroup.root, cgroup.group, String(cgroup.memoryBytes), String(cgroup.maxProcesses), String(cgroup.cpuQuotaUs)] : ['', '', '', '', '']),
    '/usr/bin/nice', '-n', String(limits.nice),
    '/usr/bin/prlimit', ...(cgroup ? [] : [`--as=${limits.memoryBytes}`]), `--nofile=${limits.maxOpenFiles}`, '--core=0', '--',
    '/usr/bin/nsenter', `--user=${spec.ns.user}`, `--net=${spec.ns.net}`, `--setuid=${user.uid}`, `--setgid=${user.gid}`, '--',
    spec.bwrapPath,
    ...(rootInContainer ? [] : ['--unshare-user', '--uid', String(user.uid), '--gid', String(user.gid)]),
    '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--die-with-parent',
    ...(spec.interactive ? [] : ['--new-session']),
    '--hostname', spec.hostname,
    ...(spec.seccompFile ? ['--seccomp', '3'] : []),
    '--bind', spec.rootfs, '/',
    '--proc', '/proc', '--dev', '/dev',
    '--ro-bind', `${spec.etcDir}/hosts`, '/etc/hosts', '--ro-bind', `${spec.etcDir}/hostname`, '/etc/hostname',
    ...(spec.resolvConf ? ['--ro-bind', spec.resolvConf, '/etc/resolv.conf'] : []),
    ...(spec.authorizedKeys ? ['--ro-bind', spec.authorizedKeys, AUTHORIZED_KEYS_IN_CONTAINER] : []),
    ...(spec.storage ? ['--bind', spec.storage.source, spec.storage.mountPath] : []),
    '--chdir', spec.workingDir,
    '--clearenv', '--',
    '/usr/bin/env', '-i', '--', ...Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    ...command,
  ];
}
