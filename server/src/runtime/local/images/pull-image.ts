/**
 * One `skopeo copy` into the store layout, with progress and a clear error. The caller holds the store's
 * write lock: skopeo rewrites index.json, and two writers would lose each other's entries.
 */
import fs from 'node:fs/promises';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import { pullError } from './image-errors';
import { runTool, ToolFailure } from './image-tools';
import { blobPath, findByName, readIndex, readManifest, type Descriptor } from './oci-layout';
import { PullProgressTracker, type PullProgress } from './pull-progress';
import { goArch, skopeoCopyArgv, type PullSource } from './skopeo-argv';
import type { StorePaths } from './store-paths';

export const PULL_TIMEOUT_SECONDS = 1800;
const POLL_MS = 500;

export interface PullRequest {
  /** The reference as the lab wrote it, for messages. */
  image: string;
  /** Registry named in messages (or `local layout`). */
  from: string;
  source: PullSource;
  /** Tag in the store layout: the rewritten, normalized reference. */
  name: string;
}

function blobSize(layout: string, digest: string): number | null {
  try {
    return statSync(blobPath(layout, digest)).size;
  } catch {
    return null;
  }
}

/** Files skopeo leaves in the layout root when it is interrupted. */
async function removeLeftovers(store: string): Promise<void> {
  const entries = await fs.readdir(store).catch(() => [] as string[]);
  await Promise.all(entries.filter((e) => e.startsWith('oci-put-') || e.endsWith('.tmp')).map((e) => fs.rm(path.join(store, e), { force: true })));
}

export async function pullIntoStore(
  req: PullRequest,
  ctx: { paths: StorePaths; env: NodeJS.ProcessEnv; log: FastifyBaseLogger; onProgress: (p: PullProgress) => void },
): Promise<Descriptor> {
  const { paths } = ctx;
  const tracker = new PullProgressTracker(req.image, (d) => blobSize(paths.store, d), ctx.onProgress);
  const argv = skopeoCopyArgv({ source: req.source, store: paths.store, name: req.name, policyFile: paths.policyFile, arch: goArch(process.arch), timeoutSeconds: PULL_TIMEOUT_SECONDS });
  const started = Date.now();
  const timer = setInterval(() => tracker.poll(), POLL_MS);
  try {
    await runTool('skopeo', argv, { env: ctx.env, onLine: (line) => tracker.onLine(line) });
  } catch (e) {
    await removeLeftovers(paths.store);
    if (!(e instanceof ToolFailure)) throw e;
    const error = pullError(req.image, req.from, e.stderr);
    ctx.log.warn({ image: req.image, name: req.name, argv, stderr: e.stderr }, `image pull failed: ${error.message}`);
    throw error;
  } finally {
    clearInterval(timer);
  }
  const desc = findByName(await readIndex(paths.store), req.name);
  if (!desc) throw pullError(req.image, req.from, `skopeo succeeded but ${req.name} is not in ${paths.store}/index.json`);
  const manifest = await readManifest(paths.store, desc.digest);
  tracker.finish(manifest.layers.map((l) => l.size));
  ctx.log.info({ image: req.image, name: req.name, digest: desc.digest, ms: Date.now() - started }, 'image pulled');
  return desc;
}
