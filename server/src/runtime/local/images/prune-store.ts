/**
 * Garbage collection of the image store. The caller holds the gc lock exclusively, so no pull or unpack of
 * any process is running: everything in tmp/ is a leftover, and no blob being written can be lost.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '@autolabs/common/errors/app-error';
import { runTool, ToolFailure } from './image-tools';
import { readIndex, writeIndex } from './oci-layout';
import type { StorePaths } from './store-paths';
import { umociGcArgv } from './umoci-argv';

/**
 * Removes bundles, store tags and (through `umoci gc`) blobs of images whose digest is not in `inUse` and
 * whose bundle was last prepared before `usedBefore` (ms since the epoch; a bundle's mtime is its last use);
 * returns those digests.
 */
export async function pruneStore(paths: StorePaths, inUse: Set<string>, usedBefore: number, env: NodeJS.ProcessEnv): Promise<string[]> {
  const removed = new Set<string>();
  const keep = new Set(inUse);
  for (const hex of await fs.readdir(paths.rootfs)) {
    const digest = `sha256:${hex}`;
    const dir = path.join(paths.rootfs, hex);
    if (keep.has(digest) || (await fs.stat(dir)).mtimeMs > usedBefore) {
      keep.add(digest);
      continue;
    }
    await removeTree(paths, dir);
    removed.add(digest);
  }
  for (const leftover of await fs.readdir(paths.tmp)) await fs.rm(path.join(paths.tmp, leftover), { recursive: true, force: true });
  const index = await readIndex(paths.store);
  if (index !== null) {
    const kept = index.manifests.filter((d) => keep.has(d.digest));
    for (const d of index.manifests) if (!keep.has(d.digest)) removed.add(d.digest);
    if (kept.length !== index.manifests.length) await writeIndex(paths.store, { ...index, manifests: kept });
    await collectGarbage(paths.store, env);
  }
  return [...removed];
}

/** Renames first, so a half-removed bundle never looks like a complete one. */
async function removeTree(paths: StorePaths, dir: string): Promise<void> {
  const doomed = path.join(paths.tmp, `removing-${path.basename(dir).slice(0, 12)}-${randomBytes(4).toString('hex')}`);
  await fs.rename(dir, doomed);
  await fs.rm(doomed, { recursive: true, force: true });
}

async function collectGarbage(store: string, env: NodeJS.ProcessEnv): Promise<void> {
  try {
    await runTool('umoci', umociGcArgv(store), { env });
  } catch (e) {
    if (!(e instanceof ToolFailure)) throw e;
    throw new AppError('RUNTIME_UNAVAILABLE', 'pruning the image store failed', { detail: { tool: 'umoci', stderr: e.stderr } });
  }
}
