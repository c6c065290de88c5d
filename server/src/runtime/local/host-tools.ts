/**
 * The host programs the local runtime runs, and the check that they are there and work. A missing tool
 * is reported with the Debian package that provides it, because that is what an operator can act on.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { AppError } from '../../errors/app-error';
import { VOLUME_TOOLS } from './instance-volume';

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

/** Throws AppError RUNTIME_UNAVAILABLE naming the package to install, or why namespaces do not work. */
export function checkHostTools(bwrapPath: string | null, rootMode: boolean, diskQuota = false): void {
  requireBwrap(bwrapPath);
  const tools = [
    { path: '/usr/bin/prlimit', pkg: 'util-linux' },
    { path: '/usr/bin/nice', pkg: 'coreutils' },
    { path: '/usr/bin/env', pkg: 'coreutils' },
    ...(rootMode ? [{ path: '/usr/bin/setpriv', pkg: 'util-linux' }] : []),
    ...(diskQuota ? VOLUME_TOOLS : []),
  ];
  for (const tool of tools) {
    if (!existsSync(tool.path)) throw new AppError('RUNTIME_UNAVAILABLE', `${tool.path} is missing: install the Debian package "${tool.pkg}"`);
  }
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
