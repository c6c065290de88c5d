/**
 * Rules on lab values that exist for the host's sake, not the lab's: a teacher's values are applied only
 * inside the student's sandbox, and these refuse at validation the ones that could reach further if any
 * layer ever slipped (docs/security.md).
 * - Environment variables that change what a program loads or runs before its own code (the dynamic
 *   loader's LD_*, glibc's list of variables it drops for setuid programs, shell start-up files,
 *   interpreter paths and options) are refused: on a setuid or privileged program they are code execution.
 * - The storage mountPath must be a plain path in a user data directory (/home, /srv, ...): mounted over
 *   /usr, /etc or /lib, the student-writable volume would replace the programs and libraries that the
 *   sandbox's privileged set-up runs.
 * - No NUL byte in any string that becomes a command-line word or an environment value.
 */

const LOADER_PREFIXES = ['LD_', 'MALLOC_', 'BASH_FUNC_', 'PYTHON', 'PERL5', 'RUBY', 'NODE_'];
const LOADER_NAMES = new Set([
  'GCONV_PATH',
  'GETCONF_DIR',
  'GLIBC_TUNABLES',
  'HOSTALIASES',
  'LOCALDOMAIN',
  'LOCPATH',
  'NIS_PATH',
  'NLSPATH',
  'RESOLV_HOST_CONF',
  'RES_OPTIONS',
  'BASH_ENV',
  'ENV',
  'SHELLOPTS',
  'BASHOPTS',
  'PS4',
  'IFS',
  'PERLLIB',
  'JAVA_TOOL_OPTIONS',
  '_JAVA_OPTIONS',
  'JDK_JAVA_OPTIONS',
]);

/** Why `name` may not be set by a lab, or null when it may. */
export function forbiddenEnvReason(name: string): string | null {
  if (LOADER_NAMES.has(name) || LOADER_PREFIXES.some((p) => name.startsWith(p))) {
    return `${name} changes what programs load or run before their own code; labs may not set it`;
  }
  return null;
}

export const MOUNT_ROOTS = ['home', 'root', 'srv', 'opt', 'mnt', 'data', 'work', 'workspace'];
const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]*$/;

/** Why `mountPath` is refused, or null when it is a plain path under one of MOUNT_ROOTS. */
export function mountPathProblem(mountPath: string): string | null {
  const segments = mountPath.split('/').slice(1);
  if (!mountPath.startsWith('/') || segments.some((s) => !SEGMENT.test(s)) || segments.length > 16) {
    return 'expected an absolute path of plain names (letters, digits, ".", "_", "-"), such as /home/student';
  }
  if (!MOUNT_ROOTS.includes(segments[0])) {
    return `expected a path under ${MOUNT_ROOTS.map((r) => `/${r}`).join(', ')}, such as /home/student: system directories cannot hold the lab's storage`;
  }
  return null;
}

export const NO_NUL = (s: string) => !s.includes('\0');
export const NUL_MESSAGE = 'expected text without NUL characters';
