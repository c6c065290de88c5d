/**
 * Where a pod's shared pieces live on the host while it runs: `/run/autolabs/<instanceId>/` (a tmpfs
 * with private propagation, mode 0711). bubblewrap runs as a container user there, which may traverse
 * this directory but not the data directory (0700), so everything a sandbox binds is mounted here:
 *
 *   <run>/<id>/ns/user, ns/net     the pod's namespaces (bind-mounted ns files; see pod-namespaces.ts)
 *   <run>/<id>/ns/netuser          the user namespace that owns ns/net (not the pod's: see pod-namespaces.ts)
 *   <run>/<id>/net/                egress: pasta's pid and log, the firewall rules (pod-egress.ts)
 *   <run>/<id>/etc/hosts, hostname the pod's name resolution
 *   <run>/<id>/etc/authorized_keys the platform key the terminal container's sshd trusts (ssh terminal backend)
 *   <run>/<id>/home                the home volume (bind mount of the instance's home)
 *   <run>/<id>/c/<container>       each container's merged root file system (see container-rootfs.ts)
 *
 * It is gone after a reboot, like the namespaces in it; `start` makes it again.
 */
import { execFile } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../../errors/app-error';
import { hostToolPackage } from './host-tools';
import { isMountpoint } from './mountpoint';

const run = promisify(execFile);
export const DEFAULT_POD_RUN_DIR = '/run/autolabs';

export interface PodRunPaths {
  dir: string;
  nsUser: string;
  nsNet: string;
  nsNetUser: string;
  net: string;
  etc: string;
  /** The pod's resolver file when it has egress (pod-egress.ts). */
  resolvConf: string;
  /** The terminal container's /etc/autolabs/authorized_keys when the lab's terminal is reached over SSH. */
  authorizedKeys: string;
  home: string;
  rootfs(container: string): string;
}

export function podRunPaths(runDir: string, instanceId: string): PodRunPaths {
  const dir = path.join(runDir, instanceId);
  return {
    dir,
    nsUser: path.join(dir, 'ns', 'user'),
    nsNet: path.join(dir, 'ns', 'net'),
    nsNetUser: path.join(dir, 'ns', 'netuser'),
    net: path.join(dir, 'net'),
    etc: path.join(dir, 'etc'),
    resolvConf: path.join(dir, 'etc', 'resolv.conf'),
    authorizedKeys: path.join(dir, 'etc', 'authorized_keys'),
    home: path.join(dir, 'home'),
    rootfs: (container) => path.join(dir, 'c', container),
  };
}

/**
 * The run directory as a private tmpfs (bind-mounted namespace files need private propagation). Under a
 * lock: two processes mounting it at once would stack two file systems, hiding the first one's pods.
 */
export async function ensureRunDir(runDir: string): Promise<void> {
  if (await isMountpoint(runDir)) return;
  await fs.mkdir(runDir, { recursive: true, mode: 0o711 });
  const once = `mountpoint -q "$1" || { mount -t tmpfs -o mode=0711,size=4m autolabs-run "$1" && mount --make-private "$1"; }`;
  await mountTool(['--exclusive', `${runDir}.lock`, '/bin/sh', '-c', once, 'autolabs-run-dir', runDir], '/usr/bin/flock');
}

export async function mountTool(args: string[], file = '/usr/bin/mount'): Promise<void> {
  try {
    await run(file, args, { env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' } });
  } catch (e) {
    throw new AppError('RUNTIME_UNAVAILABLE', 'could not set up the lab containers', { detail: { file, args, stderr: (e as { stderr?: string }).stderr }, cause: e });
  }
}

export async function unmountIfMounted(dir: string): Promise<void> {
  if (await isMountpoint(dir)) await mountTool([dir], '/usr/bin/umount');
}

/** Runs a host program as host root inside the pod's network namespace (`nsNet`: its bind-mounted ns file). */
export async function inPodNet(nsNet: string, command: string[]): Promise<void> {
  if (!existsSync(command[0])) throw new AppError('RUNTIME_UNAVAILABLE', `${command[0]} is missing: install the Debian package "${hostToolPackage(command[0])}"`);
  await mountTool([`--net=${nsNet}`, '--', ...command], '/usr/bin/nsenter');
}
