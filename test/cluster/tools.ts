/** Paths of the binaries build-tools.sh caches, derived from the same pinned versions it reads. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export function pinnedVersion(name: string): string {
  const text = readFileSync(path.join(here, 'versions.sh'), 'utf8');
  const m = new RegExp(`^${name}=(\\S+)$`, 'm').exec(text);
  if (!m) throw new Error(`versions.sh does not pin ${name}`);
  return m[1];
}

/** Same default and override (AUTOLABS_CACHE) as versions.sh. */
export function cacheDir(): string {
  return process.env.AUTOLABS_CACHE ?? path.join(os.homedir(), '.cache', 'autolabs');
}

export function toolPath(tool: 'helm' | 'kwok' | 'etcd' | 'minio' | 'tofu' | 'terraform-provider-proxmox', versionVar: string): string {
  return path.join(cacheDir(), 'bin', `${tool}-${pinnedVersion(versionVar)}`);
}

export const repoRoot = path.resolve(here, '../..');
