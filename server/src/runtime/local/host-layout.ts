/**
 * What of the host a sandbox sees. The host's /usr is the lab's "image": it is bound read-only, and the
 * top-level directories that merged-/usr systems turn into symlinks (/bin -> usr/bin) are recreated as the
 * same symlinks. From /etc only the files programs need to run are shared (dynamic linker cache,
 * alternatives, shell profiles, terminfo, time zone); accounts, keys, and service configs are not.
 * Detected once, at construction, so building an argv stays pure.
 */
import fs from 'node:fs';

export type SystemEntry = { kind: 'ro-bind'; path: string } | { kind: 'symlink'; path: string; target: string };

export interface HostLayout {
  system: SystemEntry[];
  /** /etc entries shared read-only with every sandbox. */
  etc: string[];
  /** /etc entries shared only when the sandbox has a network (name resolution, CA certificates). */
  etcNetwork: string[];
  /** Which of KNOWN_EDITORS the host has, in that order. */
  editors: string[];
}

/**
 * Editors a lab's EDITOR or VISUAL commonly names, the friendliest to a student first: the order in which
 * one the host lacks is replaced (hostEditorEnv).
 */
export const KNOWN_EDITORS = ['nano', 'micro', 'vim.tiny', 'vim', 'vi', 'emacs', 'editor'];

const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32'];

const ETC_SHARED = [
  '/etc/alternatives',
  '/etc/bash.bashrc',
  '/etc/debian_version',
  '/etc/environment',
  '/etc/inputrc',
  '/etc/issue',
  '/etc/ld.so.cache',
  '/etc/ld.so.conf',
  '/etc/ld.so.conf.d',
  '/etc/locale.alias',
  '/etc/localtime',
  '/etc/magic',
  '/etc/mime.types',
  '/etc/nanorc',
  '/etc/nsswitch.conf',
  '/etc/os-release',
  '/etc/profile',
  '/etc/profile.d',
  '/etc/protocols',
  '/etc/services',
  '/etc/skel',
  '/etc/terminfo',
  '/etc/timezone',
  '/etc/vim',
];

const ETC_NETWORK = ['/etc/resolv.conf', '/etc/gai.conf', '/etc/ssl/certs', '/etc/ca-certificates', '/etc/host.conf'];

export function detectHostLayout(): HostLayout {
  const system: SystemEntry[] = [];
  for (const dir of SYSTEM_DIRS) {
    const stat = lstatOrNull(dir);
    if (!stat) continue;
    if (stat.isSymbolicLink()) system.push({ kind: 'symlink', path: dir, target: fs.readlinkSync(dir) });
    else if (stat.isDirectory()) system.push({ kind: 'ro-bind', path: dir });
  }
  return {
    system,
    etc: ETC_SHARED.filter((p) => lstatOrNull(p) !== null),
    etcNetwork: ETC_NETWORK.filter((p) => lstatOrNull(p) !== null),
    editors: KNOWN_EDITORS.filter((name) => ['/usr/bin', '/bin'].some((dir) => lstatOrNull(`${dir}/${name}`) !== null)),
  };
}

/**
 * The host's files stand in for the lab's image, and the host may lack the editor the lab's EDITOR or
 * VISUAL names (the image installs nano; a host may have only vi): a known editor the host lacks becomes
 * the first the host has, so `$EDITOR file` opens an editor instead of "command not found". Anything
 * else the lab sets (a path, an editor we do not know) is left alone.
 */
export function hostEditorEnv(env: Record<string, string>, layout: Pick<HostLayout, 'editors'>): Record<string, string> {
  const fallback = layout.editors[0];
  const out = { ...env };
  for (const key of ['EDITOR', 'VISUAL']) {
    const named = out[key];
    if (fallback && named && KNOWN_EDITORS.includes(named) && !layout.editors.includes(named)) out[key] = fallback;
  }
  return out;
}

function lstatOrNull(p: string): fs.Stats | null {
  try {
    return fs.lstatSync(p);
  } catch {
    return null;
  }
}
