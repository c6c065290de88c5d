/**
 * The host programs the local runtime runs, and the check that they are there and work. A missing tool
 * is reported with the Debian package that provides it, because that is what an operator can act on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../errors/app-error';

/** Environment of the wrapper and bubblewrap themselves; the sandbox starts from --clearenv. */
export const OUTER_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

export function findInPath(binary: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const candidate = path.join(dir, binary);
    if (existsSync(candidate)) return candidate;
  }
  return null;
}

/** Throws AppError RUNTIME_UNAVAILABLE naming the package when bwrap is not (or no longer) installed. */
export function requireBwrap(bwrapPath: string | null): asserts bwrapPath is string {
  if (bwrapPath === null || !existsSync(bwrapPath)) {
    throw new AppError('RUNTIME_UNAVAILABLE', 'bubblewrap (bwrap) is not installed: install the Debian package "bubblewrap"', {
      detail: { bwrapPath },
    });
  }
}

export interface HostTool {
  path: string;
  pkg: string;
}

/** What pod mode runs to make a lab's network (pod/pod-namespaces.ts). */
export const POD_NETWORK_TOOLS: HostTool[] = [
  { path: '/usr/bin/unshare', pkg: 'util-linux' },
  { path: '/usr/bin/nsenter', pkg: 'util-linux' },
  { path: '/usr/sbin/ip', pkg: 'iproute2' },
  { path: '/usr/sbin/sysctl', pkg: 'procps' },
];

/** What pod mode runs for a lab with `internet: true` or `allowedEgress` (pod/pod-egress.ts). */
export const EGRESS_TOOLS: HostTool[] = [
  { path: '/usr/bin/pasta', pkg: 'passt' },
  { path: '/usr/sbin/nft', pkg: 'nftables' },
];

/** What root mode runs for disk quotas (instance-volume.ts). */
export const VOLUME_TOOLS: HostTool[] = [
  { path: '/usr/sbin/mkfs.ext4', pkg: 'e2fsprogs' },
  { path: '/usr/bin/mount', pkg: 'mount' },
  { path: '/usr/bin/umount', pkg: 'mount' },
  { path: '/usr/bin/mountpoint', pkg: 'util-linux' },
];

/** What the gateway runs to reach the sshd of a pod whose terminal goes over SSH (gateway pod-network-relay.ts). */
export const SSH_RELAY_TOOLS: HostTool[] = [
  { path: '/usr/bin/nsenter', pkg: 'util-linux' },
  { path: '/usr/bin/socat', pkg: 'socat' },
];

export function hostToolPackage(file: string): string {
  return [...POD_NETWORK_TOOLS, ...EGRESS_TOOLS].find((t) => t.path === file)?.pkg ?? 'that provides it';
}

export function missingTools(tools: HostTool[]): HostTool[] {
  return tools.filter((t) => !existsSync(t.path));
}

/** Throws AppError RUNTIME_UNAVAILABLE naming the Debian package of the first missing tool. */
export function requireTools(tools: HostTool[], purpose = ''): void {
  const [missing] = missingTools(tools);
  if (missing) throw new AppError('RUNTIME_UNAVAILABLE', `${missing.path} is missing${purpose}: install the Debian package "${missing.pkg}"`);
}

/** Throws AppError RUNTIME_UNAVAILABLE naming the package to install, or why namespaces do not work. */
export function checkHostTools(bwrapPath: string | null, rootMode: boolean, diskQuota = false, podMode = false): void {
  requireBwrap(bwrapPath);
  requireTools([
    { path: '/usr/bin/prlimit', pkg: 'util-linux' },
    { path: '/usr/bin/nice', pkg: 'coreutils' },
    { path: '/usr/bin/env', pkg: 'coreutils' },
    ...(rootMode ? [{ path: '/usr/bin/setpriv', pkg: 'util-linux' }] : []),
    ...(diskQuota ? VOLUME_TOOLS : []),
    ...(podMode ? POD_NETWORK_TOOLS : []),
  ]);
  const smoke = spawnSync(
    bwrapPath,
    [...(rootMode ? [] : ['--unshare-user']), '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-net', '--ro-bind', '/', '/', '--', '/bin/true'],
    { encoding: 'utf8', timeout: 10_000, env: OUTER_ENV },
  );
  if (smoke.status !== 0) {
    throw new AppError('RUNTIME_UNAVAILABLE', 'bubblewrap cannot create namespaces on this machine', {
      detail: { stderr: smoke.stderr, error: smoke.error?.message },
    });
  }
}
